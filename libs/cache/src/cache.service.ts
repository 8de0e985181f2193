import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { RedisService } from './redis.service';

/** A cached value with the user's generation it was loaded in. */
interface Entry<T> {
  g: string;
  v: T;
}

/**
 * Read-through caching of per-user reads on the shared Redis connection, with a per-user
 * generation counter: every write bumps the user's generation, and an entry counts only when it was
 * stored in the current one, so invalidation is O(1) and a read after a write is never stale. A
 * read is one round trip (MGET of the generation and the entry). When Redis is down, or with
 * CACHE_READS=false, reads go to the loader — reads and writes still succeed.
 */
@Injectable()
export class CacheService {
  private readonly logger = new Logger(CacheService.name);
  /** Users whose invalidation failed while Redis was down; bumped as soon as it is back. */
  private readonly pendingInvalidations = new Set<string>();
  private readonly enabled: boolean;

  constructor(
    private readonly redis: RedisService,
    @InjectMetric(METRICS.cacheRequests) private readonly requests: Counter<string>,
    config: AppConfig,
  ) {
    this.enabled = config.cacheReads;
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
    const entryKey = `cache:${cacheName}:${userId}:${key}`;
    const read = await this.read<T>(userId, entryKey);
    if (!read) {
      this.requests.inc({ cache: cacheName, result: 'bypass' });
      return load();
    }
    if (read.hit) {
      this.requests.inc({ cache: cacheName, result: 'hit' });
      return read.hit.v;
    }
    this.requests.inc({ cache: cacheName, result: 'miss' });
    const value = await load();
    // A write that raced this read bumped the generation, so this entry is never read again.
    const entry: Entry<T> = { g: read.generation, v: value };
    await this.redis.client
      .set(entryKey, JSON.stringify(entry), 'PX', ttlMs)
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

  /**
   * The user's generation and the entry stored in it, in one round trip; null when the cache is
   * off, Redis is down or the user has an invalidation pending.
   */
  private async read<T>(
    userId: string,
    entryKey: string,
  ): Promise<{ generation: string; hit: Entry<T> | null } | null> {
    if (!this.enabled || !this.redis.isReady || this.pendingInvalidations.has(userId)) return null;
    try {
      const [gen, raw] = await this.redis.client.mget(genKey(userId), entryKey);
      const generation = gen ?? '0';
      const entry = raw ? (JSON.parse(raw) as Entry<T>) : null;
      return { generation, hit: entry && entry.g === generation ? entry : null };
    } catch {
      return null;
    }
  }
}

const genKey = (userId: string) => `cachegen:${userId}`;
