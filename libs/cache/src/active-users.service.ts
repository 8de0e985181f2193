import { Injectable, OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Gauge, InjectMetric, METRICS } from '@app/observability';
import { RedisService } from './redis.service';

const WINDOW_MS = 5 * 60_000;
const KEY = 'active_users';
/** A replica records each user at most this often, so a busy user costs one Redis write per 30 s. */
const TOUCH_EVERY_MS = 30_000;

/**
 * Distinct users seen in the last 5 minutes, in a Redis sorted set (member = user id, score = last
 * seen), so every replica reports the same number in `active_users`.
 */
@Injectable()
export class ActiveUsersService implements OnModuleInit {
  // When this replica last wrote each user, for the most recent 10 000 users. No TTL: each entry holds its own
  // time and is compared with `now`, so a stale one only lets the next touch write.
  private readonly lastTouched = new LRUCache<string, number>({ max: 10_000 });

  constructor(
    private readonly redis: RedisService,
    @InjectMetric(METRICS.activeUsers) private readonly gauge: Gauge<string>,
  ) {}

  onModuleInit(): void {
    // Refresh the gauge when Prometheus scrapes.
    (this.gauge as Gauge<string> & { collect?: () => Promise<void> }).collect = async () => {
      const n = await this.count().catch(() => null);
      if (n !== null) this.gauge.set(n);
    };
  }

  touch(userId: string, now = Date.now()): void {
    if ((this.lastTouched.get(userId) ?? 0) > now - TOUCH_EVERY_MS || !this.redis.isReady) return;
    this.lastTouched.set(userId, now);
    void this.redis.client.zadd(KEY, now, userId).catch(() => undefined);
  }

  async count(now = Date.now()): Promise<number> {
    if (!this.redis.isReady) throw new Error('redis unavailable');
    await this.redis.client.zremrangebyscore(KEY, 0, now - WINDOW_MS);
    return this.redis.client.zcount(KEY, now - WINDOW_MS, '+inf');
  }
}
