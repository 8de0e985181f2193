import { Injectable } from '@nestjs/common';
import { ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import { Gauge, InjectMetric, METRICS } from '@app/observability';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readManifest } from './backup-folder';
import { BackupRunRepository } from './backup-runs.repository';
import { BackupVerifier } from './backup-verifier';
import { Component } from './manifest';
import { noProgress, ProgressFn } from './progress';
import { planRetention, RetentionPolicy, RetentionReason } from './retention';

/**
 * A partial folder whose process is gone and in which nothing changed for this long is left over
 * from a crash. The wait also covers a pid from another container's PID namespace (each CronJob
 * pod has its own): a backup runs at most backup.activeDeadlineSeconds (1 h by default).
 */
export const STALE_PARTIAL_MS = 24 * 3_600_000;

/** `.<name>.partial-<pid>` (a backup being written) or `.<name>.pruning-<pid>` (one being deleted). */
const HIDDEN_WORK = /^\.(.+)\.(partial|pruning)-(\d+)$/;

export interface PrunedBackup {
  name: string;
  takenAt: string;
}

export interface PruneReport {
  root: string;
  dryRun: boolean;
  policy: RetentionPolicy;
  /** Newest first; `newest-verified` marks the one never deleted. */
  kept: Array<PrunedBackup & { reasons: Array<RetentionReason | 'newest-verified'> }>;
  removed: PrunedBackup[];
  /** Partial folders: kept while their process runs or they changed recently, else removed. */
  partials: Array<{ name: string; pid: number; action: 'kept' | 'removed'; why: string }>;
  /** Folders that are not backups this version understands: never touched. */
  skipped: Array<{ name: string; why: string }>;
  /** The backup no retention slot may delete, or undefined when none verified (then nothing is deleted). */
  newestVerified?: string;
  warnings: string[];
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** The newest modification time of anything in the folder. */
async function lastChange(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    const s = await stat(path.join(e.parentPath, e.name)).catch(() => null);
    if (s && s.mtimeMs > newest) newest = s.mtimeMs;
  }
  return newest;
}

/**
 * Applies the retention policy to the backups under one folder: the newest backup that verifies is
 * always kept, partial folders of running backups are never touched, and each deleted folder is
 * first renamed to a hidden `.pruning-<pid>` one, so a crash mid-delete never leaves a folder that
 * looks like a whole backup.
 */
@Injectable()
export class PruneService {
  constructor(
    private readonly config: AppConfig,
    private readonly verifier: BackupVerifier,
    private readonly runs: BackupRunRepository,
    @InjectMetric(METRICS.backupRetained) private readonly retainedGauge: Gauge<string>,
  ) {}

  async prune(
    rootGiven: string,
    policy: RetentionPolicy,
    options: { dryRun?: boolean; now?: Date } = {},
    progress: ProgressFn = noProgress,
  ): Promise<PruneReport> {
    const root = path.resolve(rootGiven);
    const dryRun = !!options.dryRun;
    const now = (options.now ?? new Date()).getTime();
    const entries = await readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR')
        throw new ValidationError(`backup folder ${root} does not exist`);
      throw err;
    });
    const report: PruneReport = {
      root,
      dryRun,
      policy,
      kept: [],
      removed: [],
      partials: [],
      skipped: [],
      warnings: [],
    };

    const backups: Array<{ name: string; takenAt: Date; components: Component[] }> = [];
    for (const e of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const work = HIDDEN_WORK.exec(e.name);
      if (work) {
        report.partials.push(await this.partial(root, e.name, Number(work[3]), now, dryRun));
        continue;
      }
      if (e.name.startsWith('.')) continue;
      try {
        const manifest = await readManifest(path.join(root, e.name));
        backups.push({
          name: e.name,
          takenAt: new Date(manifest.completedAt),
          components: manifest.components,
        });
      } catch (err) {
        report.skipped.push({ name: e.name, why: (err as Error).message });
      }
    }

    const newestFirst = [...backups].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
    const newestVerified = await this.newestVerified(root, newestFirst, progress);
    report.newestVerified = newestVerified?.name;
    const plan = planRetention(backups, (b) => b.takenAt, policy);
    const keep = new Map(
      plan.keep.map((k) => [k.backup, [...k.reasons] as PruneReport['kept'][number]['reasons']]),
    );
    if (newestVerified) keep.set(newestVerified, [...(keep.get(newestVerified) ?? []), 'newest-verified']);
    else if (backups.length)
      report.warnings.push(
        `no backup under ${root} verifies: nothing was deleted (run \`ops backup verify --backup-dir DIR\` on the newest)`,
      );

    for (const b of newestFirst) {
      const entry = { name: b.name, takenAt: b.takenAt.toISOString() };
      if (keep.has(b) || !newestVerified) {
        report.kept.push({ ...entry, reasons: keep.get(b) ?? [] });
        continue;
      }
      if (!dryRun) {
        progress(`removing ${b.name}…`);
        await this.remove(root, b.name);
      }
      report.removed.push(entry);
    }

    if (!dryRun) {
      this.retainedGauge.set(report.kept.length);
      await this.runs
        .record({
          kind: 'prune',
          outcome: 'succeeded',
          components: [],
          path: root,
          startedAt: new Date(now),
          completedAt: new Date(),
          durationMs: Date.now() - now,
          bytes: 0,
          documents: 0,
          keys: 0,
          appVersion: this.config.version,
          host: os.hostname(),
          retained: report.kept.length,
          removed: report.removed.length,
        })
        .catch((err: Error) => {
          report.warnings.push(`the prune could not be recorded in backup_runs: ${err.message}`);
        });
    }
    return report;
  }

  private async newestVerified<T extends { name: string }>(
    root: string,
    newestFirst: T[],
    progress: ProgressFn,
  ): Promise<T | undefined> {
    for (const b of newestFirst) {
      progress(`verifying ${b.name}…`);
      const report = await this.verifier.verify(path.join(root, b.name));
      if (report.ok) return b;
    }
    return undefined;
  }

  private async partial(
    root: string,
    name: string,
    pid: number,
    now: number,
    dryRun: boolean,
  ): Promise<PruneReport['partials'][number]> {
    if (pidAlive(pid)) return { name, pid, action: 'kept', why: `process ${pid} is running` };
    const age = now - (await lastChange(path.join(root, name)));
    if (age < STALE_PARTIAL_MS)
      return { name, pid, action: 'kept', why: `changed ${Math.round(age / 60_000)} min ago` };
    if (!dryRun) await rm(path.join(root, name), { recursive: true, force: true });
    return { name, pid, action: 'removed', why: `process ${pid} is gone and nothing changed for 24 h` };
  }

  private async remove(root: string, name: string): Promise<void> {
    const hidden = path.join(root, `.${name}.pruning-${process.pid}`);
    await rename(path.join(root, name), hidden);
    await rm(hidden, { recursive: true, force: true });
  }
}
