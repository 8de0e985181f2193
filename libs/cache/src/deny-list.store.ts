import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RedisService } from './redis.service';

/** Redis keys of the IP deny list on a single Redis (the names it has always had). */
export const DENY_LIST_KEYS = {
  /** SET of denied addresses. */
  members: 'security:denylist',
  /** HASH address → JSON `{reason, addedAt, source}`. */
  meta: 'security:denylist:meta',
  /** Counter bumped on every change, so replicas reload the set only when it changed. */
  version: 'security:denylist:version',
} as const;

/**
 * The same keys on a Redis Cluster, in one hash slot so that one MULTI changes all three. A single
 * Redis keeps the old names: a deny list is never lost to an upgrade.
 */
export const CLUSTER_DENY_LIST_KEYS = {
  members: 'security:{denylist}',
  meta: 'security:{denylist}:meta',
  version: 'security:{denylist}:version',
} as const;

export interface DenyListEntry {
  ip: string;
  reason: string;
  /** ISO time the address was added. */
  addedAt: string;
  /** Who added it, e.g. `ops security suspicious-ips --block`. */
  source: string;
}

/**
 * The IP deny list in Redis: a set of addresses, a hash with why and when each was added, and a
 * version counter. Entries have no TTL: an address stays denied until it is removed. Writes are one
 * MULTI each, so the set, its metadata and the version change together.
 */
@Injectable()
export class DenyListStore {
  private readonly keys: typeof DENY_LIST_KEYS | typeof CLUSTER_DENY_LIST_KEYS;

  constructor(
    private readonly redis: RedisService,
    config: AppConfig,
  ) {
    this.keys = config.redisClusterNodes.length ? CLUSTER_DENY_LIST_KEYS : DENY_LIST_KEYS;
  }

  get available(): boolean {
    return this.redis.isReady;
  }

  /** Waits, within the bound, for a connection that is still opening (at start-up); throws if down. */
  async whenReady(timeoutMs: number): Promise<void> {
    if (!this.redis.isReady) await this.redis.ping(timeoutMs);
  }

  /** The change counter ('0' before the first change). */
  async version(): Promise<string> {
    return (await this.redis.client.get(this.keys.version)) ?? '0';
  }

  async members(): Promise<string[]> {
    return this.redis.client.smembers(this.keys.members);
  }

  async size(): Promise<number> {
    return this.redis.client.scard(this.keys.members);
  }

  /** Every entry with its metadata, sorted by address. */
  async list(): Promise<DenyListEntry[]> {
    const [members, meta] = await Promise.all([
      this.redis.client.smembers(this.keys.members),
      this.redis.client.hgetall(this.keys.meta),
    ]);
    return members.sort().map((ip) => {
      const parsed = parseMeta(meta[ip]);
      return { ip, reason: parsed.reason ?? '', addedAt: parsed.addedAt ?? '', source: parsed.source ?? '' };
    });
  }

  /** Adds the entries (an address already listed keeps its first reason); returns how many were new. */
  async add(entries: DenyListEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const multi = this.redis.client.multi().sadd(this.keys.members, ...entries.map((e) => e.ip));
    for (const e of entries) {
      multi.hsetnx(
        this.keys.meta,
        e.ip,
        JSON.stringify({ reason: e.reason, addedAt: e.addedAt, source: e.source }),
      );
    }
    const results = await multi.incr(this.keys.version).exec();
    return Number(results?.[0]?.[1] ?? 0);
  }

  /** Removes the addresses; returns how many were listed. */
  async remove(ips: string[]): Promise<number> {
    if (ips.length === 0) return 0;
    const results = await this.redis.client
      .multi()
      .srem(this.keys.members, ...ips)
      .hdel(this.keys.meta, ...ips)
      .incr(this.keys.version)
      .exec();
    return Number(results?.[0]?.[1] ?? 0);
  }
}

function parseMeta(raw: string | undefined): Partial<DenyListEntry> {
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Partial<DenyListEntry>;
  } catch {
    return {};
  }
}
