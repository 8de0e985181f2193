import { CollectionValidation, DbMaintenanceService } from '@app/backup';
import { ValidationError } from '@app/common';
import { MigrationCounts, MigrationRunner } from '@app/database';
import { Command, Option, SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { EXIT } from '../cli/exit-codes';
import { mark, Output } from '../cli/output';
import { CommandGroup, JsonFlagCommand, JsonFlags } from '../cli/ops-command';
import { bytes, printWarnings } from './backup.shared';

function printValidation(out: Output, results: CollectionValidation[]): void {
  for (const r of results) {
    const state = r.status === 'valid' ? true : r.status === 'unsupported' ? 'warn' : false;
    const detail =
      r.status === 'valid'
        ? `valid${r.records !== undefined ? ` (${r.records} records)` : ''}`
        : r.status === 'unsupported'
          ? 'validate is not supported by this server'
          : `${r.status}: ${r.errors.join('; ')}`;
    out.line(`[${mark(state)}] ${r.name.padEnd(24)} ${detail}`);
  }
}

@SubCommand({
  name: 'check',
  description: 'MongoDB reachability, collections and sizes, and whether indexes match the schemas',
})
export class DbCheckCommand extends JsonFlagCommand {
  constructor(private readonly db: DbMaintenanceService) {
    super();
  }

  async run(_args: string[], flags: JsonFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const report = await this.db.check();
    out.line(`[${mark(true)}] ${report.server}, database ${report.database} (ping ${report.latencyMs} ms)`);
    if (report.stats)
      out.line(
        `       data ${bytes(report.stats.dataBytes)}, storage ${bytes(report.stats.storageBytes)}, ` +
          `indexes ${bytes(report.stats.indexBytes)}`,
      );
    for (const c of report.collections) out.line(`       ${c.name.padEnd(24)} ~${c.documents} documents`);
    for (const m of report.models)
      out.line(
        `[${mark(!m.missing.length && !m.extra.length && !m.error ? true : 'warn')}] indexes of ${m.collection} ` +
          (m.error
            ? `not compared: ${m.error}`
            : m.missing.length || m.extra.length
              ? 'differ from the schema'
              : 'match the schema'),
      );
    printWarnings(out, report.warnings);
    out.result(report);
    process.exitCode = report.ok ? EXIT.ok : EXIT.checkFailed;
  }
}

@AuditedAction()
@SubCommand({
  name: 'maintenance',
  description:
    'sync model indexes, validate collections, purge expired refresh tokens, changesets, event tombstones and audit events past AUDIT_RETENTION_DAYS',
})
export class DbMaintenanceCommand extends JsonFlagCommand {
  constructor(private readonly db: DbMaintenanceService) {
    super();
  }

  async run(_args: string[], flags: JsonFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const report = await this.db.maintenance((m) => out.progress(m));
    out.line('indexes:');
    if (!report.indexes.length) out.line('       no models are registered in this process');
    for (const i of report.indexes) {
      const state = i.status === 'ok' ? true : i.status === 'unsupported' ? 'warn' : false;
      const detail =
        i.status === 'ok'
          ? `in sync (created: ${i.created.join(', ') || 'none'}; dropped: ${i.dropped.join(', ') || 'none'})`
          : `${i.status === 'unsupported' ? 'not supported by this server' : 'failed'}: ${i.error}`;
      out.line(`[${mark(state)}] ${i.collection.padEnd(24)} ${detail}`);
    }
    out.line('purged:');
    for (const p of report.purged) out.line(`[${mark(true)}] ${String(p.deleted).padStart(7)}  ${p.what}`);
    for (const n of report.notes) out.line(`       ${n}`);
    out.line('validation:');
    printValidation(out, report.validation);
    for (const p of report.problems) out.line(`problem: ${p}`);
    out.result(report);
    process.exitCode = report.ok ? EXIT.ok : EXIT.checkFailed;
  }
}

@SubCommand({
  name: 'verify',
  description: 'validate every collection (where the server supports it); exit 1 on a problem',
})
export class DbVerifyCommand extends JsonFlagCommand {
  constructor(private readonly db: DbMaintenanceService) {
    super();
  }

  async run(_args: string[], flags: JsonFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const report = await this.db.verify((m) => out.progress(m));
    out.line(`database ${report.database}:`);
    printValidation(out, report.collections);
    out.line(report.ok ? 'verified' : `NOT verified: ${report.problems.length} problem(s)`);
    out.result(report);
    process.exitCode = report.ok ? EXIT.ok : EXIT.checkFailed;
  }
}

interface MigrateFlags extends JsonFlags {
  dryRun?: boolean;
  rerun?: number;
}

const countsText = (counts: MigrationCounts | undefined) =>
  Object.entries(counts ?? {})
    .map(([what, n]) => `${what} ${n}`)
    .join(', ') || 'nothing';

@AuditedAction<MigrateFlags>({ when: (f) => !f.dryRun })
@SubCommand({
  name: 'migrate',
  description:
    'apply the pending schema migrations (the API also does at start), under the migration lock; --dry-run shows what is applied and what would change',
})
export class DbMigrateCommand extends JsonFlagCommand {
  constructor(private readonly migrations: MigrationRunner) {
    super();
  }

  async run(_args: string[], flags: MigrateFlags): Promise<void> {
    const out = new Output(!!flags.json);
    if (flags.dryRun) {
      const plan = await this.migrations.plan();
      out.line(
        `database ${plan.database}: schema version ${Math.max(0, ...plan.applied.map((a) => a.version))}`,
      );
      for (const a of plan.applied)
        out.line(
          `[${mark(true)}] ${String(a.version).padStart(3)} ${a.name.padEnd(20)} applied ${a.appliedAt.toISOString()} ` +
            `(${a.changed} changed in ${a.durationMs} ms)`,
        );
      for (const p of plan.plans)
        out.line(
          `[${mark('warn')}] ${String(p.version).padStart(3)} ${p.name.padEnd(20)} pending: would change ${countsText(p.counts)}`,
        );
      if (plan.unknown.length)
        out.line(
          `[${mark('warn')}] applied by a newer release (unknown to this one): ${plan.unknown.join(', ')}`,
        );
      out.line(
        plan.lock
          ? `lock: held by ${plan.lock.holder} since ${plan.lock.acquiredAt.toISOString()}, lease until ${plan.lock.expiresAt.toISOString()}`
          : 'lock: free',
      );
      out.line(plan.pending.length ? 'dry run: nothing was changed' : 'up to date: nothing to apply');
      out.result({ ok: true, dryRun: true, ...plan });
      process.exitCode = EXIT.ok;
      return;
    }
    const report = await this.migrations.migrate({
      log: (m) => out.progress(m),
      progress: (m) => out.progress(m),
      rerun: flags.rerun,
    });
    out.line(`database ${report.database}:`);
    for (const a of report.applied)
      out.line(
        `[${mark(true)}] ${String(a.version).padStart(3)} ${a.name.padEnd(20)} applied: ${a.changed} changed in ${a.durationMs} ms (${countsText(a.counts)})`,
      );
    if (!report.applied.length) out.line('up to date: nothing to apply');
    out.line(`schema version ${report.version}`);
    out.result({ ok: true, dryRun: false, ...report });
    process.exitCode = EXIT.ok;
  }

  @Option({
    flags: '--dry-run',
    description: 'show applied and pending migrations and what they would change; change nothing',
  })
  parseDryRun(): boolean {
    return true;
  }

  @Option({
    flags: '--rerun <version>',
    description:
      'apply this applied migration again (it touches only what is still in the old shape): after a rolling upgrade whose old pods kept writing',
  })
  parseRerun(value: string): number {
    if (!/^\d+$/.test(value))
      throw new ValidationError(`--rerun takes a migration version such as 1 (got "${value}")`);
    return Number(value);
  }
}

@Command({
  name: 'db',
  description: 'the application database: check, maintenance, verify, migrate',
  subCommands: [DbCheckCommand, DbMaintenanceCommand, DbVerifyCommand, DbMigrateCommand],
})
export class DbCommand extends CommandGroup {}
