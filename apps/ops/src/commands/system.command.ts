import {
  Component,
  COMPONENTS,
  OffsiteService,
  RestoreService,
  SystemService,
  SystemVerifyReport,
} from '@app/backup';
import { Command, Option, SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { EXIT } from '../cli/exit-codes';
import { mark, Output } from '../cli/output';
import { CommandGroup, JsonFlagCommand, JsonFlags } from '../cli/ops-command';
import { parseComponents, printWarnings, RestoreFlags, RestoringCommand, runRestore } from './backup.shared';

interface ComponentFlags {
  components?: string;
}

function printVerify(out: Output, report: SystemVerifyReport): void {
  for (const d of report.dependencies)
    out.line(
      `[${mark(d.state === 'connected')}] ${d.name.padEnd(8)} ${d.state}${d.latencyMs !== undefined ? ` (${d.latencyMs} ms)` : ''}`,
    );
  if (report.database) {
    const bad = report.database.collections.filter((c) => c.status === 'invalid' || c.status === 'error');
    out.line(
      `[${mark(!bad.length)}] database ${report.database.database}: ${report.database.collections.length} collections validated` +
        (bad.length ? `, ${bad.length} with problems` : ''),
    );
  }
  if (report.counts) {
    out.line(`counts against ${report.counts.dir} (taken ${report.counts.backupTakenAt}):`);
    for (const c of report.counts.mongodb ?? [])
      out.line(
        `[${mark(c.status === 'equal' ? true : c.status === 'more' ? 'warn' : false)}] ${c.name.padEnd(24)} ` +
          `${String(c.actual).padStart(9)} of ${c.expected}`,
      );
    const r = report.counts.redis;
    if (r)
      out.line(
        `[${mark(!r.missing)}] redis db ${r.db}: ${r.expected - r.missing} of ${r.expected} unexpired keys present` +
          ` (${r.actual} keys in the db)`,
      );
  }
  for (const p of report.problems) out.line(`problem: ${p}`);
  printWarnings(out, report.warnings);
  out.line(report.ok ? 'verified' : 'NOT verified');
}

@SubCommand({
  name: 'check',
  description: 'health of every part, collections and keys, the last backup; exit 1 unless healthy',
})
export class SystemCheckCommand extends JsonFlagCommand {
  constructor(private readonly system: SystemService) {
    super();
  }

  async run(_args: string[], flags: JsonFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const report = await this.system.check();
    out.line(`status: ${report.health.status} (version ${report.health.version})`);
    for (const d of report.dependencies)
      out.line(
        `[${mark(d.state === 'connected')}] ${d.name.padEnd(8)} ${d.state}` +
          `${d.latencyMs !== undefined ? ` (${d.latencyMs} ms)` : ''}${d.message ? ` — ${d.message}` : ''}`,
      );
    if (report.mongodb)
      out.line(
        `       database ${report.mongodb.database}: ${report.mongodb.collections} collections, ` +
          `~${report.mongodb.documents} documents`,
      );
    if (report.redis) out.line(`       redis db ${report.redis.db}: ${report.redis.keys} keys`);
    if (report.lastBackup)
      out.line(
        `       last backup ${report.lastBackup.completedAt} (${report.lastBackup.ageHours} h ago): ${report.lastBackup.path}`,
      );
    printWarnings(out, report.warnings);
    out.result(report);
    process.exitCode = report.ok ? EXIT.ok : EXIT.checkFailed;
  }
}

@SubCommand({
  name: 'verify',
  description: 'health, collection validation, and counts against a backup manifest (default: the newest)',
})
export class SystemVerifyCommand extends JsonFlagCommand {
  constructor(private readonly system: SystemService) {
    super();
  }

  async run(_args: string[], flags: JsonFlags & ComponentFlags & { backupDir?: string }): Promise<void> {
    const out = new Output(!!flags.json);
    const components = parseComponents(flags.components) ?? [...COMPONENTS];
    const report = await this.system.verify({ components, dir: flags.backupDir }, (m) => out.progress(m));
    printVerify(out, report);
    out.result(report);
    process.exitCode = report.ok ? EXIT.ok : EXIT.checkFailed;
  }

  @Option({ flags: '--components <list>', description: 'comma-separated: mongodb,redis (default: both)' })
  parseComponents(value: string): string {
    return value;
  }

  @Option({
    flags: '--backup-dir <dir>',
    description: 'the backup to count against (default: the newest under BACKUP_DIR)',
  })
  parseBackupDir(value: string): string {
    return value;
  }
}

@AuditedAction()
@SubCommand({
  name: 'restore',
  description: 'restore MongoDB and Redis from one backup (verified first), then verify the result',
})
export class SystemRestoreCommand extends RestoringCommand {
  constructor(
    private readonly restore: RestoreService,
    private readonly system: SystemService,
    private readonly offsite: OffsiteService,
  ) {
    super();
  }

  async run(_args: string[], flags: RestoreFlags & ComponentFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const components: Component[] | undefined = parseComponents(flags.components);
    const result = await runRestore({ restore: this.restore, offsite: this.offsite }, out, components, flags);
    if (!result) return;
    out.progress('verifying the restored system…');
    const verify = await this.system.verify({ components: result.components, dir: result.dir });
    printVerify(out, verify);
    out.result({ ok: verify.ok, restore: result, verify });
    process.exitCode = verify.ok ? EXIT.ok : EXIT.checkFailed;
  }

  @Option({
    flags: '--components <list>',
    description: 'comma-separated: mongodb,redis (default: what the backup holds)',
  })
  parseComponents(value: string): string {
    return value;
  }
}

@Command({
  name: 'system',
  description: 'the whole system: check, restore, verify',
  subCommands: [SystemCheckCommand, SystemRestoreCommand, SystemVerifyCommand],
})
export class SystemCommand extends CommandGroup {}
