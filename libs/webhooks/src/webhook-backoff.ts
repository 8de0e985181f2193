/**
 * Retry schedule of a failed delivery: the first retry after `base`, each later one twice as long,
 * capped at 1440 × base (4 h for the default 10 s), ±10 % jitter. 18 attempts span more than 24 h
 * even at the low end of the jitter (see the spec).
 */
export const WEBHOOK_MAX_ATTEMPTS = 18;
const CAP_FACTOR = 1440;

/** Delay before the next attempt after `attemptsMade` attempts (1 = after the first). */
export function retryDelayMs(
  attemptsMade: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), baseMs * CAP_FACTOR);
  return Math.round(nominal * (0.9 + 0.2 * random()));
}

/** Time from the first attempt to the last, with the given jitter draw. */
export function retrySpanMs(baseMs: number, random: () => number = () => 0.5): number {
  let total = 0;
  for (let made = 1; made < WEBHOOK_MAX_ATTEMPTS; made++) total += retryDelayMs(made, baseMs, random);
  return total;
}
