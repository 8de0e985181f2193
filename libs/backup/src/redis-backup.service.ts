import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/cache';
import { isUtf8 } from 'node:buffer';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BackupFailedError } from './backup.errors';
import { readyRedis } from './connections';
import { readGzipLines, writeGzipLines } from './gzip-lines';
import { REDIS_FILE, RedisSection } from './manifest';
import type { RestoreMode } from './mongo-backup.service';
import { noProgress, ProgressFn, throttled } from './progress';

/** One line of the Redis backup file. */
export interface RedisKeyLine {
  /** The key as UTF-8; `keyBase64` holds the exact bytes when the key is not valid UTF-8. */
  key: string;
  keyBase64?: string;
  type: string;
  /** Absolute expiry in Unix milliseconds, or null for a key without one. */
  expireAt: number | null;
  /** base64 of the key's DUMP payload (which carries no expiry). */
  dump: string;
}

const SCAN_COUNT = 1000;
/** Keys per pipeline round trip (DUMP + PTTL + TYPE each, or one RESTORE each). */
const PIPELINE_KEYS = 200;

export interface RedisRestoreResult {
  db: number;
  restored: number;
  /** Keys whose absolute expiry had already passed at restore time: skipped. */
  expired: number;
  flushed: boolean;
}

export const keyBytes = (line: RedisKeyLine) =>
  line.keyBase64 !== undefined ? Buffer.from(line.keyBase64, 'base64') : Buffer.from(line.key, 'utf8');

/**
 * Backup and restore of the logical database of REDIS_URL through the cache lib's connection:
 * SCAN, then DUMP + PTTL + TYPE pipelined per key; restored with RESTORE … REPLACE ABSTTL so a
 * key's TTL does not stretch by the age of the backup.
 */
@Injectable()
export class RedisBackupService {
  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  async dump(dir: string, progress: ProgressFn = noProgress): Promise<RedisSection> {
    const client = await readyRedis(this.redis);
    const db = this.db();
    const server = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
    const types: Record<string, number> = {};
    let withExpiry = 0;
    let vanished = 0;
    const report = throttled(progress);
    // SCAN may return a key more than once (the table can rehash mid-scan): keep the first.
    const seen = new Set<string>();

    async function* lines() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scanBuffer(cursor, 'COUNT', SCAN_COUNT);
        cursor = next.toString();
        const fresh = keys.filter((k) => {
          const id = k.toString('latin1');
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
        for (let i = 0; i < fresh.length; i += PIPELINE_KEYS) {
          const batch = fresh.slice(i, i + PIPELINE_KEYS);
          const pipeline = client.pipeline();
          for (const key of batch) pipeline.dumpBuffer(key).pttl(key).type(key);
          const readAt = Date.now();
          const replies = (await pipeline.exec()) ?? [];
          for (const [j, key] of batch.entries()) {
            const [dumpReply, pttlReply, typeReply] = replies.slice(j * 3, j * 3 + 3);
            const failed = [dumpReply, pttlReply, typeReply].find((r) => !r || r[0]);
            if (failed)
              throw new Error(`reading key "${key.toString()}": ${failed?.[0]?.message ?? 'no reply'}`);
            const payload = dumpReply[1] as Buffer | null;
            const pttl = pttlReply[1] as number;
            const type = typeReply[1] as string;
            // Gone between SCAN and DUMP (expired or deleted): nothing to keep.
            if (payload === null || pttl === -2 || type === 'none') {
              vanished++;
              continue;
            }
            const expireAt = pttl >= 0 ? readAt + pttl : null;
            if (expireAt !== null) withExpiry++;
            types[type] = (types[type] ?? 0) + 1;
            const line: RedisKeyLine = {
              key: key.toString('utf8'),
              ...(isUtf8(key) ? {} : { keyBase64: key.toString('base64') }),
              type,
              expireAt,
              dump: payload.toString('base64'),
            };
            yield JSON.stringify(line);
          }
          report(() => `redis: ${seen.size} keys…`);
        }
      } while (cursor !== '0');
    }

    try {
      await mkdir(path.join(dir, 'redis'), { recursive: true });
      const digest = await writeGzipLines(
        path.join(dir, REDIS_FILE),
        lines(),
        this.config.backupEncryptionKey,
      );
      progress(`redis: db ${db}: ${digest.lines} keys`);
      return {
        file: REDIS_FILE,
        ...digest,
        db,
        scope: `logical database ${db} of REDIS_URL only; other logical databases are not backed up`,
        server: `Redis ${server}`,
        keys: digest.lines,
        types,
        withExpiry,
        vanished,
      };
    } catch (err) {
      throw new BackupFailedError(`backing up Redis db ${db} failed: ${(err as Error).message}`);
    }
  }

  /** Keys in the target logical database. */
  async keyCount(): Promise<number> {
    return (await readyRedis(this.redis)).dbsize();
  }

  /** The logical database the cache lib's connection uses (the one in REDIS_URL; a cluster has only 0). */
  db(): number {
    const options = this.redis.client.options;
    return 'db' in options ? (options.db ?? 0) : 0;
  }

  /**
   * Restores a verified Redis backup into the logical database of REDIS_URL. `drop` flushes that
   * database first; `merge` and `empty` overwrite keys present in the backup. Any refused RESTORE
   * stops the restore and throws naming the key.
   */
  async restore(
    dir: string,
    section: RedisSection,
    mode: RestoreMode,
    progress: ProgressFn = noProgress,
  ): Promise<RedisRestoreResult> {
    const client = await readyRedis(this.redis);
    const db = this.db();
    if (mode === 'drop') await client.flushdb();
    const report = throttled(progress);
    let restored = 0;
    let expired = 0;
    let lineNo = 0;
    let batch: RedisKeyLine[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const pipeline = client.pipeline();
      for (const line of batch)
        pipeline.restore(
          keyBytes(line),
          line.expireAt ?? 0,
          Buffer.from(line.dump, 'base64'),
          'REPLACE',
          'ABSTTL',
        );
      const replies = (await pipeline.exec()) ?? [];
      for (const [i, line] of batch.entries()) {
        const err = replies[i]?.[0] ?? (replies[i] ? null : new Error('no reply'));
        if (err)
          throw new BackupFailedError(
            `restore stopped at Redis key "${line.key}": ${err.message}. ${restored} keys were restored before it; ` +
              `the target is partly restored.`,
          );
        restored++;
      }
      batch = [];
      report(() => `redis: ${restored} of ${section.keys} keys…`);
    };
    try {
      for await (const text of readGzipLines(path.join(dir, section.file), this.config.backupEncryptionKey)) {
        lineNo++;
        const line = JSON.parse(text) as RedisKeyLine;
        if (line.expireAt !== null && line.expireAt <= Date.now()) {
          expired++;
          continue;
        }
        batch.push(line);
        if (batch.length >= PIPELINE_KEYS) await flush();
      }
      await flush();
    } catch (err) {
      if (err instanceof BackupFailedError) throw err;
      throw new BackupFailedError(
        `reading ${section.file} failed at line ${lineNo}: ${(err as Error).message}; ` +
          `${restored} keys were restored before it`,
      );
    }
    if (lineNo !== section.keys)
      throw new BackupFailedError(
        `${section.file} held ${lineNo} keys but the manifest says ${section.keys}`,
      );
    progress(`redis: db ${db}: ${restored} keys restored, ${expired} already expired (skipped)`);
    return { db, restored, expired, flushed: mode === 'drop' };
  }
}
