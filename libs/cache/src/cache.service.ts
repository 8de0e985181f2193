import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { hashTag } from './redis-client';
import { RedisService } from './redis.service';

/** What a read-through found: the stored JSON of a hit, or the value just loaded (and stored). */
type Found<T> = { json: Buffer } | { value: T; json?: string };

/** An entry is `<generation>\n<JSON of the value>`: JSON never holds a raw newline. */
const SEPARATOR = 0x0a;

/**
 * Read-through caching of per-user reads on the shared Redis connection, with a per-user
 * generation counter: every write bumps the user's generation, and an entry counts only when it was
 * stored in the current one, so invalidation is O(1) and a read after a write is never stale. A
 * read is one round trip (MGET of the generation and the entry); entries keep the value's JSON, so
 * a hit can be sent as is (`getOrLoadJson`). When Redis is down, or with CACHE_READS=false, reads
 * go to the loader — reads and writes still succeed.
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
    const found = await this.through(cacheName, userId, key, ttlMs, load);
    return 'value' in found ? found.value : (JSON.parse(found.json.toString('utf8')) as T);
  }

  /**
   * The same read-through, answering the value's JSON as stored: a hit goes to the client without
   * being parsed and serialized again (the bulk of a cached list request's CPU and garbage).
   */
  async getOrLoadJson<T>(
    cacheName: string,
    userId: string,
    key: string,
    ttlMs: number,
    load: () => Promise<T>,
  ): Promise<Buffer> {
    const found = await this.through(cacheName, userId, key, ttlMs, load);
    return 'value' in found ? Buffer.from(found.json ?? JSON.stringify(found.value)) : found.json;
  }

  private async through<T>(
    cacheName: string,
    userId: string,
    key: string,
    ttlMs: number,
    load: () => Promise<T>,
  ): Promise<Found<T>> {
    const entryKey = `cache:${cacheName}:${hashTag(userId)}:${key}`;
    const read = await this.read(userId, entryKey);
    if (!read) {
      this.requests.inc({ cache: cacheName, result: 'bypass' });
      return { value: await load() };
    }
    if (read.hit) {
      this.requests.inc({ cache: cacheName, result: 'hit' });
      return { json: read.hit };
    }
    this.requests.inc({ cache: cacheName, result: 'miss' });
    const value = await load();
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) return { value }; // nothing JSON can hold
    // A write that raced this read bumped the generation, so this entry is never read again.
    await this.redis.client
      .set(entryKey, `${read.generation}\n${json}`, 'PX', ttlMs)
      .catch((err: Error) => this.logger.debug(`cache set: ${err.message}`));
    return { value, json };
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
   * The user's generation and the JSON stored in it, in one round trip; null when the cache is off,
   * Redis is down or the user has an invalidation pending.
   */
  private async read(
    userId: string,
    entryKey: string,
  ): Promise<{ generation: string; hit: Buffer | null } | null> {
    if (!this.enabled || !this.redis.isReady || this.pendingInvalidations.has(userId)) return null;
    try {
      const [gen, raw] = await this.redis.client.mgetBuffer(genKey(userId), entryKey);
      const generation = gen ? gen.toString('latin1') : '0';
      return { generation, hit: raw ? storedIn(raw, generation) : null };
    } catch {
      return null;
    }
  }
}

/** The JSON of an entry stored in `generation`, else null (older generation, or an older format). */
function storedIn(raw: Buffer, generation: string): Buffer | null {
  const end = raw.indexOf(SEPARATOR);
  if (end !== generation.length || raw.toString('latin1', 0, end) !== generation) return null;
  return raw.subarray(end + 1);
}

// The generation and the entries of one user share a hash tag: one MGET reads both on a Redis Cluster.
const genKey = (userId: string) => `cachegen:${hashTag(userId)}`;
