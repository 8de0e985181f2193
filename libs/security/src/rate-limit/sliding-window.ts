/**
 * The sliding-window counter (the approximation Cloudflare describes): the previous fixed window's
 * count, weighted by how much of it still lies inside the sliding window, plus the current window's
 * count. It needs two counters per client, never a log of timestamps, and unlike a plain fixed window
 * it does not let a client send twice the limit across a window boundary. Kept by hand because
 * rate-limiter-flexible (which keeps the counters, see @app/cache RateLimitStore) counts fixed windows only.
 */
export interface SlidingWindowInput {
  /** Requests counted in the current fixed window, this one included. */
  current: number;
  /** Requests counted in the previous fixed window. */
  previous: number;
  limit: number;
  windowMs: number;
  now: number;
}

export type SlidingWindowDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** The estimated number of requests in the last `windowMs`, this one included. */
export function slidingWindowEstimate({
  current,
  previous,
  windowMs,
  now,
}: Omit<SlidingWindowInput, 'limit'>) {
  const elapsed = (now % windowMs) / windowMs;
  return previous * (1 - elapsed) + current;
}

export function decide(input: SlidingWindowInput): SlidingWindowDecision {
  if (slidingWindowEstimate(input) <= input.limit) return { allowed: true };
  return { allowed: false, retryAfterMs: retryAfterMs(input) };
}

/**
 * How long until one more request would be allowed, assuming the client sends nothing meanwhile.
 * Within this window the previous window's weight has to decay enough; if this window alone is
 * already at the limit, the wait runs into the next window, where this window's count decays.
 */
export function retryAfterMs({ current, previous, limit, windowMs, now }: SlidingWindowInput): number {
  const intoWindow = now % windowMs;
  const room = limit - current - 1;
  if (room >= 0 && previous > 0) {
    // previous * (1 - t/W) <= room  ⇔  t >= W * (1 - room/previous)
    return Math.max(0, Math.ceil(windowMs * (1 - room / previous)) - intoWindow);
  }
  // Next window: current * (1 - s/W) + 1 <= limit  ⇔  s >= W * (1 - (limit - 1)/current)
  const s = current > 0 ? Math.max(0, windowMs * (1 - (limit - 1) / current)) : 0;
  return windowMs - intoWindow + Math.ceil(s);
}
