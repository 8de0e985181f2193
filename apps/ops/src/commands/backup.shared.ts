import { ValidationError } from '@app/common';
import {
  Component,
  COMPONENTS,
  describeApi,
  OffsiteService,
  RestoreMode,
  RestorePlan,
  RestoreResult,
  RestoreService,
} from '@app/backup';
import { createInterface } from 'node:readline/promises';
import { Option } from 'nest-commander';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';

/** Shared by the backup, restore, db and system commands. */

export interface RestoreFlags extends JsonFlags {
  backupDir?: string;
  fromS3?: string;
  force?: boolean;
  drop?: boolean;
  merge?: boolean;
  yes?: boolean;
}

/** A command that restores: `--backup-dir` or `--from-s3`, `--drop`, `--merge`, `--yes` and `--json`. */
export abstract class RestoringCommand extends JsonFlagCommand {
  // Checked in restoreRequest(), not with `required`: commander would exit 1 on a subcommand, not 2.
  @Option({
    flags: '--backup-dir <dir>',
    description: 'the backup folder to restore (this or --from-s3 is required)',
  })
  parseBackupDir(value: string): string {
    return value;
  }

  @Option({
    flags: '--from-s3 <name>',
    description:
      'download the backup NAME (see `backup list --remote`) from BACKUP_S3_URL into BACKUP_DIR/NAME, verify it, then restore it',
  })
  parseFromS3(value: string): string {
    return value;
  }

  @Option({
    flags: '--drop',
    description:
      'drop each backed-up collection (or flush the Redis db) first, replacing it (backup_runs is kept)',
  })
  parseDrop(): boolean {
    return true;
  }

  @Option({
    flags: '--merge',
    description: 'upsert documents by _id and overwrite keys, keeping everything else',
  })
  parseMerge(): boolean {
    return true;
  }

  @Option({
    flags: '--force',
    description:
      'restore although the API is connected to the target, or the server cannot tell (its writes race the restore)',
  })
  parseForce(): boolean {
    return true;
  }

  @Option({ flags: '--yes', description: 'do not ask for confirmation (required without a terminal)' })
  parseYes(): boolean {
    return true;
  }
}

/** `--components mongodb,redis` → the list, refusing unknown names (exit 2). */
export function parseComponents(value: string | undefined): Component[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(COMPONENTS as readonly string[]).includes(n));
  if (unknown.length || !names.length)
    throw new ValidationError(
      `--components takes a comma-separated list of ${COMPONENTS.join(', ')} (got "${value}")`,
    );
  return COMPONENTS.filter((c) => names.includes(c));
}

/** The backup (a folder, or a name off-site) and mode from the flags, with the usage checks that need nothing else (exit 2). */
export function restoreRequest(flags: RestoreFlags): {
  source: { dir: string } | { fromS3: string };
  mode: RestoreMode;
} {
  if (flags.backupDir && flags.fromS3)
    throw new ValidationError('--backup-dir and --from-s3 cannot be used together');
  if (!flags.backupDir && !flags.fromS3)
    throw new ValidationError(
      '--backup-dir DIR is required: the backup folder to restore (or --from-s3 NAME for an off-site one)',
    );
  if (flags.drop && flags.merge) throw new ValidationError('--drop and --merge cannot be used together');
  if (!flags.yes && !process.stdin.isTTY)
    throw new ValidationError(
      'a restore changes data: pass --yes to confirm it (there is no terminal to ask on)',
    );
  return {
    source: flags.fromS3 ? { fromS3: flags.fromS3 } : { dir: flags.backupDir! },
    mode: flags.drop ? 'drop' : flags.merge ? 'merge' : 'empty',
  };
}

const MODE_TEXT: Record<RestoreMode, string> = {
  empty: 'into an empty target',
  drop: 'replacing (--drop) the backed-up collections / flushing the Redis db',
  merge: 'merging (--merge): upsert by _id, overwrite keys',
};

export function describePlan(plan: RestorePlan): string[] {
  const lines = [
    `backup   ${plan.dir} (taken ${plan.manifest.completedAt}, app ${plan.manifest.appVersion}): verified`,
  ];
  if (plan.target.mongodb && plan.manifest.mongodb) {
    const docs = plan.manifest.mongodb.collections.reduce((n, c) => n + c.documents, 0);
    lines.push(
      `mongodb  ${plan.manifest.mongodb.collections.length} collections, ${docs} documents → database ` +
        `"${plan.target.mongodb.database}" (${plan.target.mongodb.nonEmpty.length} collections hold data now)`,
    );
  }
  if (plan.target.redis && plan.manifest.redis)
    lines.push(
      `redis    ${plan.manifest.redis.keys} keys → db ${plan.target.redis.db} (${plan.target.redis.keys} keys now)`,
    );
  lines.push(`mode     ${MODE_TEXT[plan.mode]}`);
  for (const a of plan.api.filter((a) => !a.known || a.connections > 0))
    lines.push(`api      ${describeApi(a)}${plan.force ? ' (--force: restoring anyway)' : ''}`);
  return lines;
}

/** Asks on the terminal; true only for an explicit "yes". */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

/**
 * The whole restore at the CLI edge: usage checks, verify and inspect (nothing changed yet), the
 * confirmation, then the restore. Returns undefined when the operator declined.
 */
export async function runRestore(
  services: { restore: RestoreService; offsite: OffsiteService },
  out: Output,
  components: Component[] | undefined,
  flags: RestoreFlags,
): Promise<RestoreResult | undefined> {
  const { restore, offsite } = services;
  const { source, mode } = restoreRequest(flags);
  const progress = (m: string) => out.progress(m);
  // Downloaded and verified before anything is touched; a copy that does not verify is deleted again.
  const dir = 'dir' in source ? source.dir : await offsite.fetch(source.fromS3, progress);
  const plan = await restore.prepare({ dir, components, mode, force: !!flags.force }, progress);
  for (const line of describePlan(plan)) out.progress(line);
  if (!flags.yes && !(await confirm('Type "yes" to restore: '))) {
    out.line('restore cancelled; nothing was changed');
    out.result({ ok: false, cancelled: true });
    process.exitCode = EXIT.checkFailed;
    return undefined;
  }
  const result = await restore.execute(plan, progress);
  printRestore(out, result);
  return result;
}

export function printRestore(out: Output, result: RestoreResult): void {
  out.line(`restore complete from ${result.dir} in ${seconds(result.durationMs)}`);
  if (result.mongodb) {
    out.line(
      `  mongodb  database ${result.mongodb.database}: ${result.mongodb.documents} documents in ` +
        `${result.mongodb.collections.length} collections`,
    );
    for (const c of result.mongodb.collections)
      out.line(
        `           ${c.name.padEnd(24)} ${String(c.documents).padStart(9)} documents, ${indexes(c.indexes)}` +
          (result.mode === 'merge'
            ? ` (${c.inserted} inserted, ${c.replaced} replaced, ${c.unchanged} unchanged)`
            : ''),
      );
  }
  if (result.redis)
    out.line(
      `  redis    db ${result.redis.db}: ${result.redis.restored} keys restored, ` +
        `${result.redis.expired} already expired (skipped)`,
    );
  printWarnings(out, result.warnings);
}

export function printWarnings(out: Output, warnings: string[]): void {
  for (const w of warnings) out.line(`warning: ${w}`);
}

export const indexes = (n: number) => `${n} ${n === 1 ? 'index' : 'indexes'}`;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
