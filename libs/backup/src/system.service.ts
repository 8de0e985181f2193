import { Injectable } from '@nestjs/common';
import { RedisService } from '@app/cache';
import { AppConfig } from '@app/config';
import { DependencyCheck, HealthReport, HealthService, overallStatus } from '@app/health';
import path from 'node:path';
import { readManifest, resolveBackupDir } from './backup-folder';
import { isAppendOnly } from './append-only';
import { BACKUP_RUNS_COLLECTION, BackupRunRepository } from './backup-runs.repository';
import { readyRedis } from './connections';
import { DbMaintenanceService, DbVerifyReport } from './db-maintenance.service';
import { readGzipLines } from './gzip-lines';
import { Component, Manifest } from './manifest';
import { noProgress, ProgressFn } from './progress';
import { keyBytes, RedisBackupService, RedisKeyLine } from './redis-backup.service';

/** A backup older than this is worth a warning (the alert on backup_last_success fires at the same age). */
export const BACKUP_STALE_HOURS = 26;
/** Keys expiring this soon are not expected to be found by `system verify`. */
const EXPIRY_MARGIN_MS = 5000;
const EXISTS_BATCH = 500;

export interface SystemCheckReport {
  ok: boolean;
  health: HealthReport;
  dependencies: DependencyCheck[];
  mongodb?: { database: string; collections: number; documents: number };
  redis?: { db: number; keys: number };
  lastBackup?: { completedAt: string; ageHours: number; path: string } | null;
  warnings: string[];
}

export interface CountCheck {
  name: string;
  expected: number;
  actual: number;
  status: 'equal' | 'missing' | 'more';
}

export interface SystemVerifyReport {
  ok: boolean;
  components: Component[];
  dependencies: DependencyCheck[];
  database?: DbVerifyReport;
  counts?: {
    dir: string;
    backupTakenAt: string;
    mongodb?: CountCheck[];
    redis?: { db: number; expected: number; missing: number; missingKeys: string[]; actual: number };
  };
  problems: string[];
  warnings: string[];
}

/** `system check` and `system verify`: health, data sanity and counts against a backup, in one report. */
@Injectable()
export class SystemService {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthService,
    private readonly db: DbMaintenanceService,
    private readonly redisBackup: RedisBackupService,
    private readonly redis: RedisService,
    private readonly runs: BackupRunRepository,
  ) {}

  async check(): Promise<SystemCheckReport> {
    const dependencies = await this.health.dependencies();
    const health: HealthReport = {
      status: overallStatus(dependencies),
      version: this.config.version,
      dependencies: {
        mongodb: stateOf(dependencies, 'mongodb'),
        redis: stateOf(dependencies, 'redis'),
      },
    };
    const report: SystemCheckReport = { ok: health.status === 'healthy', health, dependencies, warnings: [] };
    if (health.dependencies.mongodb === 'connected') {
      const db = await this.db.check();
      report.mongodb = {
        database: db.database,
        collections: db.collections.length,
        documents: db.collections.reduce((n, c) => n + c.documents, 0),
      };
      report.warnings.push(...db.warnings);
      const last = await this.runs.lastSuccessfulBackup();
      report.lastBackup = last && {
        completedAt: last.completedAt.toISOString(),
        ageHours: Math.round(((Date.now() - last.completedAt.getTime()) / 3600_000) * 10) / 10,
        path: last.path,
      };
      if (!last) report.warnings.push('no successful backup is recorded in backup_runs');
      else if (report.lastBackup && report.lastBackup.ageHours > BACKUP_STALE_HOURS)
        report.warnings.push(`the last successful backup is ${report.lastBackup.ageHours} h old`);
    }
    if (health.dependencies.redis === 'connected')
      report.redis = { db: this.redisBackup.db(), keys: await this.redisBackup.keyCount() };
    return report;
  }

  /**
   * Health of the components, structural validation of the database, and counts against a backup's
   * manifest (the given one, else the newest under BACKUP_DIR): fewer documents or missing keys fail,
   * more only warn (the application may have written since).
   */
  async verify(
    opts: { components: Component[]; dir?: string },
    progress: ProgressFn = noProgress,
  ): Promise<SystemVerifyReport> {
    const { components } = opts;
    const problems: string[] = [];
    const warnings: string[] = [];
    const dependencies = (await this.health.dependencies()).filter((d) => components.includes(d.name));
    for (const d of dependencies)
      if (d.state !== 'connected')
        problems.push(`${d.name} is ${d.state}${d.message ? `: ${d.message}` : ''}`);
    const up = (c: Component) => dependencies.some((d) => d.name === c && d.state === 'connected');
    const report: SystemVerifyReport = { ok: false, components, dependencies, problems, warnings };

    if (up('mongodb')) {
      report.database = await this.db.verify(progress);
      problems.push(...report.database.problems);
      for (const c of report.database.collections)
        if (c.status === 'unsupported') warnings.push(`collection ${c.name}: validate is not supported here`);
    }

    const dir = await this.backupToCompare(opts.dir);
    if (!dir)
      warnings.push(`no backup under ${path.resolve(this.config.backupDir)} to compare counts against`);
    else {
      const manifest = await readManifest(dir);
      report.counts = { dir, backupTakenAt: manifest.completedAt };
      if (up('mongodb') && components.includes('mongodb')) {
        if (!manifest.mongodb) warnings.push(`${dir} holds no MongoDB backup to compare against`);
        else report.counts.mongodb = await this.compareCollections(manifest, problems, warnings);
      }
      if (up('redis') && components.includes('redis')) {
        if (!manifest.redis) warnings.push(`${dir} holds no Redis backup to compare against`);
        else report.counts.redis = await this.compareKeys(dir, manifest, problems, warnings, progress);
      }
    }
    report.ok = problems.length === 0;
    return report;
  }

  private async backupToCompare(given?: string): Promise<string | undefined> {
    if (given) return path.resolve(given);
    return resolveBackupDir(undefined, this.config.backupDir).catch(() => undefined);
  }

  private async compareCollections(
    manifest: Manifest,
    problems: string[],
    warnings: string[],
  ): Promise<CountCheck[]> {
    const actual = new Map((await this.db.counts()).map((c) => [c.name, c.documents]));
    const checks: CountCheck[] = [];
    for (const c of manifest.mongodb?.collections ?? []) {
      // The run history grows with every backup and restore; it is not expected to match.
      if (c.name === BACKUP_RUNS_COLLECTION) continue;
      const found = actual.get(c.name) ?? 0;
      const status = found === c.documents ? 'equal' : found < c.documents ? 'missing' : 'more';
      checks.push({ name: c.name, expected: c.documents, actual: found, status });
      if (status === 'missing')
        problems.push(
          `${c.name}: ${found} documents, the backup has ${c.documents} (${c.documents - found} missing)`,
        );
      // The audit trail only grows after a backup (the backup's own record, for one): more is expected.
      if (status === 'more' && !isAppendOnly(c.name))
        warnings.push(`${c.name}: ${found} documents, ${found - c.documents} more than the backup`);
    }
    return checks;
  }

  /** Every key of the backup that has not expired by now must exist. */
  private async compareKeys(
    dir: string,
    manifest: Manifest,
    problems: string[],
    warnings: string[],
    progress: ProgressFn,
  ): Promise<NonNullable<SystemVerifyReport['counts']>['redis']> {
    const section = manifest.redis!;
    const client = await readyRedis(this.redis);
    progress('checking Redis keys against the backup…');
    let expected = 0;
    const missingKeys: string[] = [];
    let missing = 0;
    let batch: RedisKeyLine[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const pipeline = client.pipeline();
      for (const line of batch) pipeline.exists(keyBytes(line));
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach((line, i) => {
        const [err, exists] = replies[i] ?? [new Error('no reply'), 0];
        if (err) throw err;
        if (!exists) {
          missing++;
          if (missingKeys.length < 10) missingKeys.push(line.key);
        }
      });
      batch = [];
    };
    const horizon = Date.now() + EXPIRY_MARGIN_MS;
    for await (const text of readGzipLines(path.join(dir, section.file), this.config.backupEncryptionKey)) {
      const line = JSON.parse(text) as RedisKeyLine;
      if (line.expireAt !== null && line.expireAt <= horizon) continue;
      expected++;
      batch.push(line);
      if (batch.length >= EXISTS_BATCH) await flush();
    }
    await flush();
    const actual = await client.dbsize();
    if (missing)
      problems.push(
        `redis db ${section.db}: ${missing} of ${expected} unexpired keys of the backup are missing ` +
          `(${missingKeys.map((k) => `"${k}"`).join(', ')}${missing > missingKeys.length ? ', …' : ''})`,
      );
    if (actual > expected)
      warnings.push(`redis db ${section.db}: ${actual - expected} more keys than the backup`);
    return { db: section.db, expected, missing, missingKeys, actual };
  }
}

const stateOf = (checks: DependencyCheck[], name: DependencyCheck['name']) =>
  checks.find((c) => c.name === name)?.state ?? 'disconnected';
