import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { RateLimitStore, WindowCounter } from '@app/cache';
import { AppConfig } from '@app/config';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { decide } from './sliding-window';

const WINDOW_MS = 60_000;
const MAX_TRACKED_CLIENTS = 10_000;

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Requests per minute per client address (RATE_LIMIT_PER_MINUTE; 0 turns it off), shared by every
 * replica through Redis with a sliding-window counter (WindowCounter: rate-limiter-flexible's counters,
 * two single-key operations sent together per request). A client that is over the limit is
 * remembered in memory until its Retry-After passes, so its further requests cost no Redis round trip
 * at all. With Redis down or slow (over 100 ms) the counters' insurance limiter counts in this
 * instance's memory instead: the limit then holds per replica, looser but never off. Refused requests
 * count too, so a client that ignores Retry-After stays limited.
 */
@Injectable()
export class RateLimitService {
  private readonly limit: number;
  // Refused clients and when they may come back, for the most recent 10 000. No TTL: each entry holds its own end
  // and is compared with `now`, so a stale one is only dropped on the client's next request.
  private readonly refusedUntil = new LRUCache<string, number>({ max: MAX_TRACKED_CLIENTS });
  private readonly counter: WindowCounter;

  constructor(
    config: AppConfig,
    store: RateLimitStore,
    @InjectMetric(METRICS.rateLimitHits) private readonly hits: Counter<string>,
  ) {
    this.limit = config.rateLimitPerMinute;
    this.counter = store.windowCounter('ip', WINDOW_MS);
  }

  get enabled(): boolean {
    return this.limit > 0;
  }

  async check(client: string, now = Date.now()): Promise<RateLimitDecision> {
    if (!this.enabled) return { allowed: true };
    const until = this.refusedUntil.get(client);
    if (until !== undefined) {
      if (until > now) return this.refuse(until - now);
      this.refusedUntil.delete(client);
    }
    const counts = await this.counter.hit(client, now);
    const decision = decide({ ...counts, limit: this.limit, windowMs: WINDOW_MS, now });
    if (decision.allowed) return decision;
    this.refusedUntil.set(client, now + decision.retryAfterMs);
    return this.refuse(decision.retryAfterMs);
  }

  private refuse(waitMs: number): RateLimitDecision {
    this.hits.inc();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
