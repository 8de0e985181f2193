import { Injectable } from '@nestjs/common';
import { hashTag } from './redis-client';
import { RedisService } from './redis.service';

/** The two counters a sliding-window rate limit needs: this window's and the previous one's. */
export interface RateWindowCounts {
  current: number;
  previous: number;
}

/**
 * Per-client request counters for the rate limiter: `ratelimit:{<client>}:<window index>`, one key per
 * fixed window, kept for two windows. A hit is one Redis round trip (a pipeline of INCR, PEXPIRE and
 * GET of the previous window's counter).
 */
@Injectable()
export class RateLimitStore {
  constructor(private readonly redis: RedisService) {}

  /** False while Redis is down: callers fail open without waiting for a command to fail. */
  get available(): boolean {
    return this.redis.isReady;
  }

  async hit(client: string, windowMs: number, now = Date.now()): Promise<RateWindowCounts> {
    const window = Math.floor(now / windowMs);
    const key = rateLimitKey(client, window);
    const results = await this.redis.client
      .pipeline()
      .incr(key)
      .pexpire(key, windowMs * 2)
      .get(rateLimitKey(client, window - 1))
      .exec();
    if (!results) throw new Error('rate limit pipeline returned nothing');
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0] as Error;
    return { current: Number(results[0][1]), previous: Number(results[2][1] ?? 0) };
  }
}

// A client's windows share a hash tag, so the pipeline stays on one Redis Cluster node.
export const rateLimitKey = (client: string, window: number) => `ratelimit:${hashTag(client)}:${window}`;
