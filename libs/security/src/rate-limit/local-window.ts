import { RateWindowCounts } from '@app/cache';

const MAX_KEYS = 50_000;

/**
 * The per-instance stand-in for RateLimitStore while Redis is down or slow: the same two counters
 * per key and fixed window, in memory. Limits then hold per replica instead of across replicas
 * (a client spread over N replicas gets up to N times the limit) — looser, never off. Bounded: at
 * MAX_KEYS the stale keys are dropped, and if that is not enough, all of them.
 */
export class LocalWindowCounter {
  private readonly windows = new Map<string, { window: number; current: number; previous: number }>();

  hit(key: string, windowMs: number, now = Date.now()): RateWindowCounts {
    const window = Math.floor(now / windowMs);
    const entry = this.windows.get(key);
    if (entry && entry.window === window) {
      entry.current += 1;
      return { current: entry.current, previous: entry.previous };
    }
    const previous = entry && entry.window === window - 1 ? entry.current : 0;
    if (!entry && this.windows.size >= MAX_KEYS) this.prune(window);
    this.windows.set(key, { window, current: 1, previous });
    return { current: 1, previous };
  }

  get size(): number {
    return this.windows.size;
  }

  private prune(window: number): void {
    for (const [key, e] of this.windows) if (e.window < window - 1) this.windows.delete(key);
    if (this.windows.size >= MAX_KEYS) this.windows.clear();
  }
}
