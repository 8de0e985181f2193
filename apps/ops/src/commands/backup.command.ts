import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ValidationError } from '@app/common';
import {
  BackupResult,
  BackupService,
  BackupVerifier,
  Component,
  PruneService,
  RetentionPolicy,
  resolveBackupDir,
} from '@app/backup';
import { Command, Option, SubCommand } from 'nest-commander';
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

  constructor(private readonly backups: BackupService) {
    super();
  }

  async run(_args: string[], flags: BackupFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const result = await this.backups.backup(this.components, flags.output, (m) => out.progress(m));
    const s = summary(result);
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
    out.result(s);
    process.exitCode = EXIT.ok;
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
@SubCommand({ name: 'all', description: 'back up MongoDB and Redis into one folder' })
export class BackupAllCommand extends TakeBackupCommand {
  protected readonly components: Component[] = ['mongodb', 'redis'];
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
    'delete backups outside the retention (newest per day, ISO week and month in UTC); never the newest verified backup or a running one',
})
export class BackupPruneCommand extends JsonFlagCommand {
  constructor(
    private readonly pruner: PruneService,
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
    out.result({ ok: true, ...report });
    process.exitCode = EXIT.ok;
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
  description: 'logical backups of MongoDB and Redis: mongodb, redis, all, verify, prune',
  subCommands: [
    BackupMongodbCommand,
    BackupRedisCommand,
    BackupAllCommand,
    BackupVerifyCommand,
    BackupPruneCommand,
  ],
})
export class BackupCommand extends CommandGroup {}
