import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ValidationError } from '@app/common';
import {
  BackupResult,
  BackupService,
  BackupVerifier,
  Component,
  manifestFiles,
  OffsiteService,
  PruneService,
  readManifest,
  RemotePruneReport,
  RetentionPolicy,
  resolveBackupDir,
} from '@app/backup';
import { Command, Option, SubCommand } from 'nest-commander';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { AuditedAction } from '../cli/ops-audit';
import { EXIT } from '../cli/exit-codes';
import { mark, Output } from '../cli/output';
import { CommandGroup, JsonFlagCommand, JsonFlags } from '../cli/ops-command';
import { bytes, indexes, printWarnings, seconds } from './backup.shared';

interface BackupFlags extends JsonFlags {
  output?: string;
}

function summary(result: BackupResult) {
  const { manifest } = result;
  return {
    ok: true,
    dir: result.dir,
    durationMs: result.durationMs,
    bytes: result.bytes,
    components: manifest.components,
    ...(manifest.mongodb
      ? {
          mongodb: {
            database: manifest.mongodb.database,
            documents: manifest.mongodb.collections.reduce((n, c) => n + c.documents, 0),
            collections: manifest.mongodb.collections.map((c) => ({
              name: c.name,
              documents: c.documents,
              indexes: c.indexes.length,
              bytes: c.bytes,
            })),
            skipped: manifest.mongodb.skipped,
          },
        }
      : {}),
    ...(manifest.redis
      ? {
          redis: {
            db: manifest.redis.db,
            keys: manifest.redis.keys,
            withExpiry: manifest.redis.withExpiry,
            vanished: manifest.redis.vanished,
            types: manifest.redis.types,
          },
        }
      : {}),
    warnings: result.warnings,
  };
}

@Injectable()
abstract class TakeBackupCommand extends JsonFlagCommand {
  protected abstract readonly components: Component[];
  /** Copy the backup off-site (BACKUP_S3_URL) once it verifies: `backup all` only. */
  protected readonly offsiteCopy: boolean = false;

  constructor(
    private readonly backups: BackupService,
    private readonly offsite: OffsiteService,
  ) {
    super();
  }

  async run(_args: string[], flags: BackupFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const result = await this.backups.backup(this.components, flags.output, (m) => out.progress(m));
    const s = summary(result);
    const offsite =
      this.offsiteCopy && this.offsite.url ? await this.copyOffsite(out, result.dir) : undefined;
    out.line(`backup complete: ${result.dir} (${bytes(result.bytes)} in ${seconds(result.durationMs)})`);
    if (s.mongodb) {
      out.line(
        `  mongodb  database ${s.mongodb.database}: ${s.mongodb.documents} documents in ` +
          `${s.mongodb.collections.length} collections`,
      );
      for (const c of s.mongodb.collections)
        out.line(
          `           ${c.name.padEnd(24)} ${String(c.documents).padStart(9)} documents, ${indexes(c.indexes)}`,
        );
      for (const k of s.mongodb.skipped) out.line(`           skipped ${k.name}: ${k.reason}`);
    }
    if (s.redis)
      out.line(
        `  redis    db ${s.redis.db} (only this logical database): ${s.redis.keys} keys, ` +
          `${s.redis.withExpiry} with an expiry`,
      );
    printWarnings(out, result.warnings);
    if (offsite?.ok)
      out.line(
        `  off-site ${offsite.url}: ${offsite.files} files, ${bytes(offsite.bytes)} in ${seconds(offsite.durationMs)}`,
      );
    out.result({ ...s, ok: offsite?.ok ?? true, ...(offsite ? { offsite } : {}) });
    process.exitCode = offsite && !offsite.ok ? EXIT.checkFailed : EXIT.ok;
  }

  /** The upload; a failure leaves the local backup standing and is reported, not thrown. */
  private async copyOffsite(out: Output, dir: string) {
    try {
      return { ok: true as const, ...(await this.offsite.copy(dir, (m) => out.progress(m))) };
    } catch (err) {
      const error = (err as Error).message;
      out.progress(`error: off-site copy to ${this.offsite.url} failed: ${error}`);
      out.progress(
        `the local backup ${dir} is complete and stands; upload it again with: ops backup upload --backup-dir ${dir}`,
      );
      return { ok: false as const, url: this.offsite.url!, error };
    }
  }

  @Option({
    flags: '--output <dir>',
    description: 'the folder to write; must not exist or be empty (default: BACKUP_DIR/<timestamp>)',
  })
  parseOutput(value: string): string {
    return value;
  }
}

@AuditedAction()
@SubCommand({
  name: 'mongodb',
  description: 'back up every collection (documents, indexes, options) of the application database',
})
export class BackupMongodbCommand extends TakeBackupCommand {
  protected readonly components: Component[] = ['mongodb'];
}

@AuditedAction()
@SubCommand({
  name: 'redis',
  description: 'back up every key (value and expiry) of the Redis db in REDIS_URL',
})
export class BackupRedisCommand extends TakeBackupCommand {
  protected readonly components: Component[] = ['redis'];
}

@AuditedAction()
@SubCommand({
  name: 'all',
  description:
    'back up MongoDB and Redis into one folder; with BACKUP_S3_URL, then upload it once it verifies',
})
export class BackupAllCommand extends TakeBackupCommand {
  protected readonly components: Component[] = ['mongodb', 'redis'];
  protected override readonly offsiteCopy = true;
}

@SubCommand({
  name: 'verify',
  description: 're-read every file of a backup against its manifest; exit 1 naming each problem',
})
export class BackupVerifyCommand extends JsonFlagCommand {
  constructor(
    private readonly verifier: BackupVerifier,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(_args: string[], flags: JsonFlags & { backupDir?: string }): Promise<void> {
    const out = new Output(!!flags.json);
    const dir = await resolveBackupDir(flags.backupDir, this.config.backupDir);
    const report = await this.verifier.verify(dir, undefined, (m) => out.progress(m));
    out.line(`backup ${dir}`);
    for (const f of report.files)
      out.line(
        `[${mark(f.ok)}] ${f.label.padEnd(36)} ${f.ok ? `${f.lines} lines, ${bytes(f.bytes)}` : f.problem}`,
      );
    for (const p of report.problems.filter((p) => !report.files.some((f) => p.startsWith(f.file))))
      out.line(`[${mark(false)}] ${p}`);
    out.line(
      report.ok
        ? `intact: ${report.files.length} files match the manifest`
        : `NOT intact: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`,
    );
    out.result({
      ok: report.ok,
      dir,
      takenAt: report.manifest?.completedAt,
      files: report.files,
      problems: report.problems,
    });
    process.exitCode = report.ok ? EXIT.ok : EXIT.checkFailed;
  }

  @Option({
    flags: '--backup-dir <dir>',
    description: 'the backup folder (default: the newest under BACKUP_DIR)',
  })
  parseBackupDir(value: string): string {
    return value;
  }
}

@AuditedAction()
@SubCommand({
  name: 'upload',
  description: 'copy a backup to BACKUP_S3_URL once it verifies (what `backup all` does after a backup)',
})
export class BackupUploadCommand extends JsonFlagCommand {
  constructor(
    private readonly offsite: OffsiteService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(_args: string[], flags: JsonFlags & { backupDir?: string }): Promise<void> {
    const out = new Output(!!flags.json);
    if (!this.offsite.url)
      throw new ValidationError(
        'BACKUP_S3_URL is not set: there is nowhere to upload to (s3://BUCKET/PREFIX)',
      );
    const dir = await resolveBackupDir(flags.backupDir, this.config.backupDir);
    const result = await this.offsite.copy(dir, (m) => out.progress(m));
    out.line(
      `uploaded ${dir} to ${result.url}: ${result.files} files, ${bytes(result.bytes)} in ${seconds(result.durationMs)}`,
    );
    out.result({ ok: true, dir, ...result });
    process.exitCode = EXIT.ok;
  }

  @Option({
    flags: '--backup-dir <dir>',
    description: 'the backup folder (default: the newest under BACKUP_DIR)',
  })
  parseBackupDir(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'list',
  description: 'the backups under BACKUP_DIR, or with --remote the copies under BACKUP_S3_URL',
})
export class BackupListCommand extends JsonFlagCommand {
  constructor(
    private readonly offsite: OffsiteService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(_args: string[], flags: JsonFlags & { remote?: boolean }): Promise<void> {
    const out = new Output(!!flags.json);
    if (flags.remote) {
      if (!this.offsite.url)
        throw new ValidationError('BACKUP_S3_URL is not set: there is no off-site copy to list');
      const backups = await this.offsite.list();
      out.line(`off-site backups under ${this.offsite.url}: ${backups.length}`);
      for (const b of backups)
        out.line(
          `  ${b.name.padEnd(28)} ${(b.manifest?.completedAt ?? '-').padEnd(24)} ${bytes(b.bytes).padStart(10)}  ` +
            (b.problems.length ? `INCOMPLETE: ${b.problems.join('; ')}` : `${b.objects.length} files, whole`),
        );
      out.result({
        ok: true,
        url: this.offsite.url,
        backups: backups.map((b) => ({
          name: b.name,
          url: b.url,
          takenAt: b.manifest?.completedAt,
          components: b.manifest?.components,
          encrypted: !!b.manifest?.encryption,
          files: b.objects.map((o) => ({ file: o.file, bytes: o.bytes })),
          bytes: b.bytes,
          whole: !b.problems.length,
          problems: b.problems,
        })),
      });
      process.exitCode = EXIT.ok;
      return;
    }
    const root = path.resolve(this.config.backupDir);
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    const backups = [];
    for (const e of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
      const manifest = await readManifest(path.join(root, e.name)).catch(() => undefined);
      if (!manifest) continue;
      const size = manifestFiles(manifest).reduce((n, f) => n + f.bytes, 0);
      backups.push({
        name: e.name,
        dir: path.join(root, e.name),
        takenAt: manifest.completedAt,
        components: manifest.components,
        bytes: size,
      });
    }
    backups.sort((a, b) => b.takenAt.localeCompare(a.takenAt));
    out.line(`backups under ${root}: ${backups.length}`);
    for (const b of backups)
      out.line(
        `  ${b.name.padEnd(28)} ${b.takenAt.padEnd(24)} ${bytes(b.bytes).padStart(10)}  ${b.components.join(', ')}`,
      );
    out.result({ ok: true, root, backups });
    process.exitCode = EXIT.ok;
  }

  @Option({ flags: '--remote', description: 'list the off-site copies under BACKUP_S3_URL instead' })
  parseRemote(): boolean {
    return true;
  }
}

interface PruneFlags extends JsonFlags, Partial<RetentionPolicy> {
  backupDir?: string;
  dryRun?: boolean;
}

/** `--keep-* N`: a whole number of periods, checked here so a bad value is a usage error (exit 2). */
function keepCount(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new ValidationError(`${flag} takes a whole number of backups to keep (got "${value}")`);
  return Number(value);
}

@AuditedAction<PruneFlags>({ when: (f) => !f.dryRun })
@SubCommand({
  name: 'prune',
  description:
    'delete backups outside the retention (newest per day, ISO week and month in UTC), here and under BACKUP_S3_URL; never the newest verified backup or a running one',
})
export class BackupPruneCommand extends JsonFlagCommand {
  constructor(
    private readonly pruner: PruneService,
    private readonly offsite: OffsiteService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(_args: string[], flags: PruneFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const policy: RetentionPolicy = {
      keepDaily: flags.keepDaily ?? 7,
      keepWeekly: flags.keepWeekly ?? 4,
      keepMonthly: flags.keepMonthly ?? 6,
    };
    const report = await this.pruner.prune(
      flags.backupDir ?? this.config.backupDir,
      policy,
      { dryRun: !!flags.dryRun },
      (m) => out.progress(m),
    );
    const verb = report.dryRun ? 'would remove' : 'removed';
    out.line(
      `backups under ${report.root} (keep ${policy.keepDaily} daily, ${policy.keepWeekly} weekly, ` +
        `${policy.keepMonthly} monthly${report.dryRun ? '; dry run, nothing deleted' : ''})`,
    );
    for (const k of report.kept) out.line(`  keep    ${k.name}  ${k.reasons.join(', ') || 'none verifies'}`);
    for (const r of report.removed) out.line(`  ${report.dryRun ? 'remove' : 'removed'} ${r.name}`);
    for (const p of report.partials)
      out.line(
        `  ${p.action === 'kept' ? 'keep   ' : report.dryRun ? 'remove ' : 'removed'} ${p.name}  (${p.why})`,
      );
    for (const s of report.skipped) out.line(`  skip    ${s.name}  (${s.why})`);
    printWarnings(out, report.warnings);
    out.line(`${report.kept.length} kept, ${verb} ${report.removed.length}`);
    const remote = this.offsite.url ? await this.pruneRemote(out, policy, !!flags.dryRun) : undefined;
    out.result({ ...report, ok: !remote?.error, ...(remote ? { remote } : {}) });
    process.exitCode = remote?.error ? EXIT.checkFailed : EXIT.ok;
  }

  /** The same policy over BACKUP_S3_URL; a failure there is reported after the local prune stands. */
  private async pruneRemote(
    out: Output,
    policy: RetentionPolicy,
    dryRun: boolean,
  ): Promise<(RemotePruneReport & { error?: undefined }) | { url: string; error: string }> {
    try {
      const r = await this.offsite.prune(policy, { dryRun }, (m) => out.progress(m));
      out.line(`off-site copies under ${r.url}${r.dryRun ? ' (dry run, nothing deleted)' : ''}`);
      for (const k of r.kept) out.line(`  keep    ${k.name}  ${k.reasons.join(', ')}`);
      for (const x of r.removed) out.line(`  ${r.dryRun ? 'remove' : 'removed'} ${x.name}`);
      for (const p of r.partials)
        out.line(
          `  ${p.action === 'kept' ? 'keep   ' : r.dryRun ? 'remove ' : 'removed'} ${p.name}  (${p.why})`,
        );
      for (const d of r.damaged) out.line(`  skip    ${d.name}  (damaged: ${d.why})`);
      printWarnings(out, r.warnings);
      out.line(
        `${r.kept.length} kept off-site, ${r.dryRun ? 'would remove' : 'removed'} ${r.removed.length}`,
      );
      return r;
    } catch (err) {
      const error = (err as Error).message;
      out.progress(`error: pruning the off-site copies failed: ${error}`);
      return { url: this.offsite.url!, error };
    }
  }

  @Option({ flags: '--keep-daily <n>', description: 'days to keep the newest backup of (default 7)' })
  parseKeepDaily(value: string): number {
    return keepCount('--keep-daily', value);
  }

  @Option({ flags: '--keep-weekly <n>', description: 'ISO weeks to keep the newest backup of (default 4)' })
  parseKeepWeekly(value: string): number {
    return keepCount('--keep-weekly', value);
  }

  @Option({ flags: '--keep-monthly <n>', description: 'months to keep the newest backup of (default 6)' })
  parseKeepMonthly(value: string): number {
    return keepCount('--keep-monthly', value);
  }

  @Option({ flags: '--dry-run', description: 'say what would be deleted, delete nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({
    flags: '--backup-dir <dir>',
    description: 'the folder holding the backups (default: BACKUP_DIR)',
  })
  parseBackupDir(value: string): string {
    return value;
  }
}

@Command({
  name: 'backup',
  description: 'logical backups of MongoDB and Redis: mongodb, redis, all, verify, list, upload, prune',
  subCommands: [
    BackupMongodbCommand,
    BackupRedisCommand,
    BackupAllCommand,
    BackupVerifyCommand,
    BackupListCommand,
    BackupUploadCommand,
    BackupPruneCommand,
  ],
})
export class BackupCommand extends CommandGroup {}
