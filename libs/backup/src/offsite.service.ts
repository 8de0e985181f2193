import { Injectable, Logger } from '@nestjs/common';
import { PreconditionFailedError } from '@app/common';
import { AppConfig } from '@app/config';
import { Gauge, InjectMetric, METRICS } from '@app/observability';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BackupRun, BackupRunRepository } from './backup-runs.repository';
import { BackupVerifier } from './backup-verifier';
import { assertBackupName, OffsiteStore, RemoteBackup, UploadResult } from './offsite-store';
import { noProgress, ProgressFn } from './progress';
import { STALE_PARTIAL_MS } from './prune.service';
import { planRetention, RetentionPolicy, RetentionReason } from './retention';

export interface RemotePruneReport {
  url: string;
  dryRun: boolean;
  /** Newest first; `newest-verified` marks the newest whole copy, never deleted. */
  kept: Array<{ name: string; takenAt: string; reasons: Array<RetentionReason | 'newest-verified'> }>;
  removed: Array<{ name: string; takenAt: string }>;
  /** Copies without a manifest: kept while written to in the last 24 h, else removed. */
  partials: Array<{ name: string; action: 'kept' | 'removed'; why: string }>;
  /** Copies with a manifest that does not match their objects: never deleted by age, listed to look at. */
  damaged: Array<{ name: string; why: string }>;
  newestVerified?: string;
  warnings: string[];
}

/**
 * The off-site copy's operations: `copy` (verify the local backup, upload it, record the run),
 * `fetch` (download one into BACKUP_DIR for a restore to verify) and `prune` (the local retention
 * policy, applied to the remote copies).
 */
@Injectable()
export class OffsiteService {
  private readonly logger = new Logger(OffsiteService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly store: OffsiteStore,
    private readonly verifier: BackupVerifier,
    private readonly runs: BackupRunRepository,
    @InjectMetric(METRICS.backupOffsiteLastSuccess) private readonly lastCopy: Gauge<string>,
  ) {}

  /** `s3://bucket/prefix`, or undefined when BACKUP_S3_URL is not set. */
  get url(): string | undefined {
    return this.store.url;
  }

  /**
   * Uploads the backup in `dir` after it verifies. A failure leaves the local backup as it is,
   * is recorded in backup_runs (kind `offsite`, outcome `failed`) and logged, and is thrown.
   */
  async copy(dir: string, progress: ProgressFn = noProgress): Promise<UploadResult> {
    const startedAt = new Date();
    const url = `${this.store.url}/${path.basename(dir)}`;
    const run = (outcome: BackupRun['outcome'], bytes: number, error?: string): BackupRun => ({
      kind: 'offsite',
      outcome,
      components: [],
      path: url,
      startedAt,
      completedAt: new Date(),
      durationMs: Date.now() - startedAt.getTime(),
      bytes,
      documents: 0,
      keys: 0,
      appVersion: this.config.version,
      host: os.hostname(),
      ...(error ? { error } : {}),
    });
    try {
      const report = await this.verifier.verify(dir, undefined, progress);
      if (!report.ok)
        throw new PreconditionFailedError(
          `the backup in ${dir} does not verify, so it was not uploaded: ${report.problems.join('; ')}`,
        );
      const result = await this.store.upload(dir, progress);
      const done = run('succeeded', result.bytes);
      this.lastCopy.set(done.completedAt.getTime() / 1000);
      await this.runs.record(done).catch((err: Error) => {
        progress(`warning: the off-site copy could not be recorded in backup_runs: ${err.message}`);
      });
      return result;
    } catch (err) {
      const message = (err as Error).message;
      this.logger.error(`off-site copy of ${dir} to ${url} failed (the local backup stands): ${message}`);
      await this.runs.record(run('failed', 0, message)).catch(() => undefined);
      throw err;
    }
  }

  list(): Promise<RemoteBackup[]> {
    return this.store.list();
  }

  /**
   * Downloads the remote backup `name` into BACKUP_DIR/<name> and verifies it; a copy that does
   * not verify is deleted again and nothing else is touched.
   */
  async fetch(name: string, progress: ProgressFn = noProgress): Promise<string> {
    assertBackupName(name);
    const dir = await this.store.download(name, path.resolve(this.config.backupDir, name), progress);
    const report = await this.verifier.verify(dir, undefined, progress).catch(async (err: Error) => {
      await rm(dir, { recursive: true, force: true });
      throw err;
    });
    if (!report.ok) {
      await rm(dir, { recursive: true, force: true });
      throw new PreconditionFailedError(
        `the off-site backup ${this.store.url}/${name} does not match its manifest; nothing was changed ` +
          `and the download was deleted:\n` +
          report.problems.map((p) => `  - ${p}`).join('\n'),
      );
    }
    return dir;
  }

  /**
   * The retention policy over the remote copies: a copy counts when its manifest parses and every
   * file it lists is there at its size; the newest such copy is never deleted, and nothing is
   * when none is. A copy without a manifest is an upload in progress for 24 h, then removed.
   */
  async prune(
    policy: RetentionPolicy,
    options: { dryRun?: boolean; now?: Date } = {},
    progress: ProgressFn = noProgress,
  ): Promise<RemotePruneReport> {
    const dryRun = !!options.dryRun;
    const now = (options.now ?? new Date()).getTime();
    const remote = await this.store.list();
    const report: RemotePruneReport = {
      url: this.store.url!,
      dryRun,
      kept: [],
      removed: [],
      partials: [],
      damaged: [],
      warnings: [],
    };
    const whole: Array<RemoteBackup & { takenAt: Date }> = [];
    for (const b of remote) {
      if (!b.manifest) {
        const age = now - b.lastModified.getTime();
        if (age < STALE_PARTIAL_MS) {
          report.partials.push({
            name: b.name,
            action: 'kept',
            why: `written ${Math.round(age / 60_000)} min ago`,
          });
          continue;
        }
        if (!dryRun) await this.store.remove(b.name);
        report.partials.push({
          name: b.name,
          action: 'removed',
          why: `${b.problems[0]}; unchanged for 24 h`,
        });
      } else if (b.problems.length) {
        report.damaged.push({ name: b.name, why: b.problems.join('; ') });
      } else whole.push({ ...b, takenAt: new Date(b.manifest.completedAt) });
    }
    const newestFirst = [...whole].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
    const newest = newestFirst[0];
    report.newestVerified = newest?.name;
    if (!newest && remote.length)
      report.warnings.push(`no copy under ${report.url} is whole: nothing was deleted by age`);
    const plan = planRetention(whole, (b) => b.takenAt, policy);
    const keep = new Map(
      plan.keep.map((k) => [k.backup, [...k.reasons] as RemotePruneReport['kept'][number]['reasons']]),
    );
    if (newest) keep.set(newest, [...(keep.get(newest) ?? []), 'newest-verified']);
    for (const b of newestFirst) {
      const entry = { name: b.name, takenAt: b.takenAt.toISOString() };
      if (keep.has(b)) {
        report.kept.push({ ...entry, reasons: keep.get(b)! });
        continue;
      }
      if (!dryRun) {
        progress(`removing ${b.url}…`);
        await this.store.remove(b.name);
      }
      report.removed.push(entry);
    }
    return report;
  }
}
