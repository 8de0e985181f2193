import { Injectable, Logger } from '@nestjs/common';
import { RateLimitStore } from '@app/cache';
import { AppConfig } from '@app/config';
import { withTimeout } from '@app/common';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { LocalWindowCounter } from './local-window';
import { decide } from './sliding-window';

const WINDOW_MS = 60_000;
/** The limiter never holds a request longer than this; a slower Redis means per-instance counting. */
const REDIS_BOUND_MS = 100;
const MAX_TRACKED_CLIENTS = 10_000;

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Requests per minute per client address (RATE_LIMIT_PER_MINUTE; 0 turns it off), shared by every
 * replica through Redis with a sliding-window counter: one pipelined round trip per request. A client
 * that is over the limit is remembered in memory until its Retry-After passes, so its further
 * requests cost no Redis round trip at all. With Redis down or slow (over 100 ms) it counts in this
 * instance's memory instead: the limit then holds per replica, looser but never off. Refused requests
 * count too, so a client that ignores Retry-After stays limited.
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly limit: number;
  private readonly refusedUntil = new Map<string, number>();
  private readonly local = new LocalWindowCounter();
  private degraded = false;

  constructor(
    config: AppConfig,
    private readonly store: RateLimitStore,
    @InjectMetric(METRICS.rateLimitHits) private readonly hits: Counter<string>,
  ) {
    this.limit = config.rateLimitPerMinute;
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
    let counts;
    if (!this.store.available) counts = this.countLocally(client, now, 'redis is not connected');
    else {
      try {
        counts = await withTimeout(this.store.hit(client, WINDOW_MS, now), REDIS_BOUND_MS, 'rate limit');
        if (this.degraded) this.logger.log('rate limit shared through Redis again');
        this.degraded = false;
      } catch (err) {
        counts = this.countLocally(client, now, (err as Error).message);
      }
    }
    const decision = decide({ ...counts, limit: this.limit, windowMs: WINDOW_MS, now });
    if (decision.allowed) return decision;
    if (this.refusedUntil.size >= MAX_TRACKED_CLIENTS) this.prune(now);
    this.refusedUntil.set(client, now + decision.retryAfterMs);
    return this.refuse(decision.retryAfterMs);
  }

  private refuse(waitMs: number): RateLimitDecision {
    this.hits.inc();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  private countLocally(client: string, now: number, why: string) {
    if (!this.degraded) this.logger.warn(`rate limit counted per instance until Redis answers: ${why}`);
    this.degraded = true;
    return this.local.hit(client, WINDOW_MS, now);
  }

  private prune(now: number): void {
    for (const [client, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(client);
    if (this.refusedUntil.size >= MAX_TRACKED_CLIENTS) this.refusedUntil.clear();
  }
}
