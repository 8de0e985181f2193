import { Injectable, Logger } from '@nestjs/common';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { caching, Cache } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import { RedisService } from './redis.service';

/**
 * Read-through caching of per-user reads (cache-manager on the shared Redis connection), with a
 * per-user generation counter: every write bumps the user's generation, which changes every cache
 * key of that user at once, so invalidation is O(1) and a read after a write is never stale.
 * When Redis is down, the cache is bypassed — reads and writes still succeed.
 */
@Injectable()
export class CacheService {
  private readonly logger = new Logger(CacheService.name);
  private readonly cache: Promise<Cache>;
  /** Users whose invalidation failed while Redis was down; bumped as soon as it is back. */
  private readonly pendingInvalidations = new Set<string>();

  constructor(
    private readonly redis: RedisService,
    @InjectMetric(METRICS.cacheRequests) private readonly requests: Counter<string>,
  ) {
    this.cache = caching(redisInsStore(redis.client, { ttl: 60_000 }));
    redis.client.on('ready', () => void this.flushPendingInvalidations());
  }

  /** Returns the cached value for `key` in the user's current generation, or loads and stores it. */
  async getOrLoad<T>(
    cacheName: string,
    userId: string,
    key: string,
    ttlMs: number,
    load: () => Promise<T>,
  ): Promise<T> {
    const generation = await this.generation(userId);
    if (generation === null) {
      this.requests.inc({ cache: cacheName, result: 'bypass' });
      return load();
    }
    const fullKey = `cache:${cacheName}:${userId}:${generation}:${key}`;
    const cache = await this.cache;
    const hit = await cache.get<T>(fullKey).catch(() => undefined);
    if (hit !== undefined && hit !== null) {
      this.requests.inc({ cache: cacheName, result: 'hit' });
      return hit;
    }
    this.requests.inc({ cache: cacheName, result: 'miss' });
    const value = await load();
    // A write that raced this read bumped the generation, so this entry is never read again.
    await cache
      .set(fullKey, value, ttlMs)
      .catch((err: Error) => this.logger.debug(`cache set: ${err.message}`));
    return value;
  }

  /**
   * Invalidates every cached read of the user. Call after the write has succeeded. While Redis is
   * down, reads bypass the cache and the bump is retried as soon as Redis is back.
   */
  async invalidateUser(userId: string): Promise<void> {
    await this.redis.client.incr(genKey(userId)).catch((err: Error) => {
      // Entries cached before the outage may survive it (a persistent Redis): bump on reconnect.
      this.pendingInvalidations.add(userId);
      this.logger.warn(`cache invalidation deferred until Redis is back: ${err.message}`);
    });
  }

  private async flushPendingInvalidations(): Promise<void> {
    for (const userId of [...this.pendingInvalidations]) {
      this.pendingInvalidations.delete(userId);
      await this.invalidateUser(userId);
    }
  }

  private async generation(userId: string): Promise<string | null> {
    if (!this.redis.isReady || this.pendingInvalidations.has(userId)) return null;
    try {
      return (await this.redis.client.get(genKey(userId))) ?? '0';
    } catch {
      return null;
    }
  }
}

const genKey = (userId: string) => `cachegen:${userId}`;
