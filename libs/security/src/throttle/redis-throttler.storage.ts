import type { ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitStore, WindowCounter } from '@app/cache';
import { decide, slidingWindowEstimate } from '../rate-limit/sliding-window';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage on the project's Redis (WindowCounter: rate-limiter-flexible's
 * counters, keys `ratelimit:throttle:<throttler>:<tracker>:<window>`), so every replica shares one
 * count per user or address. The count is the sliding-window estimate of the per-IP limiter, not a
 * fixed window, so nobody gets twice the limit across a window boundary. With Redis down or slower
 * than 100 ms the counters' insurance limiter counts in this instance's memory: limits hold per
 * replica until Redis answers again. One counter per window length, made at start (every throttler
 * has a one-minute window), so a request allocates none.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly counters = new Map<number, WindowCounter>();

  constructor(
    private readonly store: RateLimitStore,
    windowsMs: readonly number[],
  ) {
    for (const ttl of windowsMs) this.counterFor(ttl);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const counts = await this.counterFor(ttl).hit(key, now);
    const decision = decide({ ...counts, limit, windowMs: ttl, now });
    const timeToExpire = Math.max(1, Math.ceil((ttl - (now % ttl)) / 1000));
    if (decision.allowed)
      return {
        totalHits: Math.ceil(slidingWindowEstimate({ ...counts, windowMs: ttl, now })),
        timeToExpire,
        isBlocked: false,
        timeToBlockExpire: 0,
      };
    return {
      totalHits: limit + 1,
      timeToExpire,
      isBlocked: true,
      timeToBlockExpire: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
    };
  }

  private counterFor(windowMs: number): WindowCounter {
    let counter = this.counters.get(windowMs);
    if (!counter) {
      counter = this.store.windowCounter('throttle', windowMs);
      this.counters.set(windowMs, counter);
    }
    return counter;
  }
}
