import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Gauge, InjectMetric, METRICS } from '@app/observability';
import { mkdir, open, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertWritableTarget, partialDirFor, timestampName } from './backup-folder';
import { BackupRun, BackupRunRepository } from './backup-runs.repository';
import { backupKeyId, ENCRYPTED_CHUNK_BYTES, ENCRYPTION_ALGORITHM } from './encryption';
import {
  Component,
  Manifest,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  manifestFiles,
} from './manifest';
import { MongoBackupService } from './mongo-backup.service';
import { noProgress, ProgressFn } from './progress';
import { RedisBackupService } from './redis-backup.service';

export interface BackupResult {
  dir: string;
  manifest: Manifest;
  bytes: number;
  durationMs: number;
  /** Things that did not stop the backup but need a look (e.g. the run could not be recorded). */
  warnings: string[];
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Takes a backup: the components are written into a hidden sibling folder, the manifest last,
 * and the folder is renamed into place only when complete. Every run is recorded in backup_runs.
 */
@Injectable()
export class BackupService {
  constructor(
    private readonly config: AppConfig,
    private readonly mongo: MongoBackupService,
    private readonly redis: RedisBackupService,
    private readonly runs: BackupRunRepository,
    @InjectMetric(METRICS.backupLastSuccess) private readonly lastSuccess: Gauge<string>,
  ) {}

  /** The folder a backup goes to when no --output is given: BACKUP_DIR/<timestamp>. */
  defaultOutput(at = new Date()): string {
    return path.resolve(this.config.backupDir, timestampName(at));
  }

  async backup(
    components: Component[],
    output: string | undefined,
    progress: ProgressFn = noProgress,
  ): Promise<BackupResult> {
    const startedAt = new Date();
    const dir = path.resolve(output ?? this.defaultOutput(startedAt));
    await assertWritableTarget(dir);
    const partial = partialDirFor(dir);
    const run = (outcome: BackupRun['outcome'], manifest?: Manifest, error?: string): BackupRun => {
      const files = manifest ? manifestFiles(manifest) : [];
      return {
        kind: 'backup',
        outcome,
        components,
        path: dir,
        startedAt,
        completedAt: new Date(),
        durationMs: Date.now() - startedAt.getTime(),
        bytes: files.reduce((n, f) => n + f.bytes, 0),
        documents: manifest?.mongodb?.collections.reduce((n, c) => n + c.documents, 0) ?? 0,
        keys: manifest?.redis?.keys ?? 0,
        appVersion: this.config.version,
        host: os.hostname(),
        ...(error ? { error } : {}),
      };
    };

    let manifest: Manifest;
    try {
      await mkdir(partial, { recursive: true });
      const mongodb = components.includes('mongodb') ? await this.mongo.dump(partial, progress) : undefined;
      const redis = components.includes('redis') ? await this.redis.dump(partial, progress) : undefined;
      manifest = {
        format: MANIFEST_FORMAT,
        formatVersion: MANIFEST_FORMAT_VERSION,
        appVersion: this.config.version,
        startedAt: startedAt.toISOString(),
        completedAt: new Date().toISOString(),
        components,
        consistency:
          'each collection and the Redis keyspace are read with a cursor while the application may be writing: ' +
          'consistent per document and per key, not a point-in-time snapshot across them',
        ...(this.config.backupEncryptionKey
          ? {
              encryption: {
                algorithm: ENCRYPTION_ALGORITHM,
                chunkBytes: ENCRYPTED_CHUNK_BYTES,
                keyId: backupKeyId(this.config.backupEncryptionKey),
              },
            }
          : {}),
        ...(mongodb ? { mongodb } : {}),
        ...(redis ? { redis } : {}),
      };
      const manifestPath = path.join(partial, MANIFEST_FILE);
      await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n', { flag: 'wx' });
      await fsyncPath(manifestPath);
      await rmdir(dir).catch(() => undefined); // an empty folder given as --output
      await rename(partial, dir);
      await fsyncPath(path.dirname(dir)).catch(() => undefined);
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      await this.runs.record(run('failed', undefined, (err as Error).message)).catch(() => undefined);
      throw err;
    }

    const done = run('succeeded', manifest);
    this.lastSuccess.set(done.completedAt.getTime() / 1000);
    const warnings: string[] = [];
    await this.runs.record(done).catch((err: Error) => {
      warnings.push(`the run could not be recorded in backup_runs: ${err.message}`);
    });
    return { dir, manifest, bytes: done.bytes, durationMs: done.durationMs, warnings };
  }
}
