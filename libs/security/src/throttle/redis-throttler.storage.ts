import { Injectable, Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitStore, RateWindowCounts } from '@app/cache';
import { withTimeout } from '@app/common';
import { LocalWindowCounter } from '../rate-limit/local-window';
import { decide, slidingWindowEstimate } from '../rate-limit/sliding-window';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A throttler never holds a request longer than this for Redis; slower means per-instance counting. */
export const THROTTLE_REDIS_BOUND_MS = 100;

/**
 * @nestjs/throttler's storage on the project's Redis connection (RateLimitStore: one pipelined round
 * trip, keys `ratelimit:throttle:<throttler>:<tracker>:<window>`), so every replica shares one count
 * per user or address. The count is the sliding-window estimate of the per-IP limiter, not a fixed
 * window, so nobody gets twice the limit across a window boundary. With Redis down or slower than
 * 100 ms it counts in this instance's memory: limits hold per replica until Redis answers again.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly local = new LocalWindowCounter();
  private degraded = false;

  constructor(private readonly store: RateLimitStore) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const counts = await this.hit(`throttle:${key}`, ttl, now);
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

  private async hit(key: string, windowMs: number, now: number): Promise<RateWindowCounts> {
    if (!this.store.available) return this.countLocally(key, windowMs, now, 'redis is not connected');
    try {
      const counts = await withTimeout(
        this.store.hit(key, windowMs, now),
        THROTTLE_REDIS_BOUND_MS,
        'throttler',
      );
      if (this.degraded) this.logger.log('throttling shared through Redis again');
      this.degraded = false;
      return counts;
    } catch (err) {
      return this.countLocally(key, windowMs, now, (err as Error).message);
    }
  }

  private countLocally(key: string, windowMs: number, now: number, why: string): RateWindowCounts {
    if (!this.degraded) this.logger.warn(`throttling counted per instance until Redis answers: ${why}`);
    this.degraded = true;
    return this.local.hit(key, windowMs, now);
  }
}
