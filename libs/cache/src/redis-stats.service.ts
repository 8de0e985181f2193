import { Injectable } from '@nestjs/common';
import { RedisService } from './redis.service';

export interface RedisKeyPrefixCount {
  /** The part of the key before the first ':' (the whole key when it has none). */
  prefix: string;
  keys: number;
}

export interface RedisStats {
  version: string;
  /** Server-wide keyspace_hits / keyspace_misses since the server started (or CONFIG RESETSTAT). */
  keyspaceHits: number;
  keyspaceMisses: number;
  /** hits / (hits + misses); null before the first lookup. */
  hitRate: number | null;
  usedMemoryBytes: number;
  /** 0 means no limit. */
  maxMemoryBytes: number;
  maxMemoryPolicy: string;
  evictedKeys: number;
  expiredKeys: number;
  connectedClients: number;
  /** Keys in this connection's logical database (DBSIZE). */
  keys: number;
  prefixes: RedisKeyPrefixCount[];
  /** Keys visited by SCAN; less than `keys` when the scan stopped at its bound. */
  scannedKeys: number;
  scanTruncated: boolean;
}

export interface RedisScanOptions {
  /** SCAN's COUNT hint per call. */
  count?: number;
  /** Stop after visiting this many keys. */
  maxKeys?: number;
  /** Called after each SCAN batch (for progress output). */
  onProgress?: (scanned: number) => void;
}

/**
 * Read-only Redis diagnostics for `ops check cache` and evidence: INFO figures and key counts by
 * prefix. Key counting uses SCAN (never KEYS), so it does not block the server.
 */
@Injectable()
export class RedisStatsService {
  constructor(private readonly redis: RedisService) {}

  /** Waits (within the bound) for the connection a just-started process is still opening. */
  async ensureConnected(timeoutMs: number): Promise<void> {
    if (!this.redis.isReady) await this.redis.ping(timeoutMs);
  }

  async info(): Promise<Record<string, string>> {
    return parseInfo(await this.redis.client.info());
  }

  async stats(opts: RedisScanOptions = {}): Promise<RedisStats> {
    const info = await this.info();
    const keys = await this.redis.client.dbsize();
    const scan = await this.keyPrefixes(opts);
    const hits = num(info.keyspace_hits);
    const misses = num(info.keyspace_misses);
    return {
      version: info.redis_version ?? 'unknown',
      keyspaceHits: hits,
      keyspaceMisses: misses,
      hitRate: hits + misses > 0 ? hits / (hits + misses) : null,
      usedMemoryBytes: num(info.used_memory),
      maxMemoryBytes: num(info.maxmemory),
      maxMemoryPolicy: info.maxmemory_policy ?? 'unknown',
      evictedKeys: num(info.evicted_keys),
      expiredKeys: num(info.expired_keys),
      connectedClients: num(info.connected_clients),
      keys,
      ...scan,
    };
  }

  /** Counts keys by the part before the first ':' with SCAN, up to `maxKeys` keys. */
  async keyPrefixes(
    opts: RedisScanOptions = {},
  ): Promise<{ prefixes: RedisKeyPrefixCount[]; scannedKeys: number; scanTruncated: boolean }> {
    const count = opts.count ?? 1000;
    const maxKeys = opts.maxKeys ?? 200_000;
    const counts = new Map<string, number>();
    let cursor = '0';
    let scanned = 0;
    do {
      const [next, batch] = await this.redis.client.scan(cursor, 'COUNT', count);
      cursor = next;
      for (const key of batch) {
        const colon = key.indexOf(':');
        const prefix = colon === -1 ? key : key.slice(0, colon);
        counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
      }
      scanned += batch.length;
      opts.onProgress?.(scanned);
    } while (cursor !== '0' && scanned < maxKeys);
    const prefixes = [...counts.entries()]
      .map(([prefix, keys]) => ({ prefix, keys }))
      .sort((a, b) => b.keys - a.keys || a.prefix.localeCompare(b.prefix));
    return { prefixes, scannedKeys: scanned, scanTruncated: cursor !== '0' };
  }
}

/** Parses INFO's `key:value` lines (section headers and blank lines skipped). */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const num = (v: string | undefined) => (v === undefined || v === '' ? 0 : Number(v) || 0);
