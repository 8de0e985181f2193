import { Injectable, Logger } from '@nestjs/common';
import { RateLimitStore } from '@app/cache';
import { AppConfig } from '@app/config';
import { withTimeout } from '@app/common';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { decide } from './sliding-window';

const WINDOW_MS = 60_000;
/** The limiter never holds a request longer than this; a slower Redis means "allow". */
const REDIS_BOUND_MS = 100;
const MAX_TRACKED_CLIENTS = 10_000;

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Requests per minute per client address (RATE_LIMIT_PER_MINUTE; 0 turns it off), shared by every
 * replica through Redis with a sliding-window counter: one pipelined round trip per request. A client
 * that is over the limit is remembered in memory until its Retry-After passes, so its further
 * requests cost no Redis round trip at all. Fails open: with Redis down or slow (over 100 ms) the
 * request is served. Refused requests count too, so a client that ignores Retry-After stays limited.
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly limit: number;
  private readonly refusedUntil = new Map<string, number>();
  private failingOpen = false;

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
    if (!this.store.available) return this.failOpen('redis is not connected');
    let counts;
    try {
      counts = await withTimeout(this.store.hit(client, WINDOW_MS, now), REDIS_BOUND_MS, 'rate limit');
    } catch (err) {
      return this.failOpen((err as Error).message);
    }
    this.failingOpen = false;
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

  private failOpen(why: string): RateLimitDecision {
    if (!this.failingOpen) this.logger.warn(`rate limit not applied (failing open): ${why}`);
    this.failingOpen = true;
    return { allowed: true };
  }

  private prune(now: number): void {
    for (const [client, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(client);
    if (this.refusedUntil.size >= MAX_TRACKED_CLIENTS) this.refusedUntil.clear();
  }
}
