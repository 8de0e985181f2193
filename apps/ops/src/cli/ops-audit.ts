import { AuditService, OPS_ACTION } from '@app/security';
import os from 'node:os';

/** What an audited run did, as far as the audit log needs it. */
export interface OpsActionRun {
  /** `ops security deny-list --add 203.0.113.7 --reason …` (credentials in URLs masked, clipped). */
  commandLine: string;
  exitCode: number;
  /** The message of an error that escaped the command. */
  error?: string;
}

/**
 * The commands that change state, by their leading words: every run is written to the audit log
 * (`ops_action`). `flags`: audited only with one of these (deny-list without them only reads).
 * `findingExit`: exit 1 reports a finding, not a failed action (suspicious-ips exits 1 when it finds one).
 */
const AUDITED: { words: string[]; flags?: string[]; findingExit?: boolean }[] = [
  { words: ['backup', 'mongodb'] },
  { words: ['backup', 'redis'] },
  { words: ['backup', 'all'] },
  { words: ['backup', 'prune'] },
  { words: ['restore', 'mongodb'] },
  { words: ['restore', 'redis'] },
  { words: ['system', 'restore'] },
  { words: ['db', 'maintenance'] },
  { words: ['security', 'deny-list'], flags: ['--add', '--remove'] },
  { words: ['security', 'suspicious-ips'], flags: ['--block'], findingExit: true },
  { words: ['security', 'unblock'] },
  { words: ['security', 'notify'] },
  { words: ['security', 'preserve-evidence'] },
  { words: ['users', 'grant-admin'] },
  { words: ['users', 'revoke-admin'] },
];

const MAX_COMMAND_LINE = 500;

/** The audited command `argv` runs, or null (read-only commands, help, usage errors). */
export function auditedCommand(argv: string[]): (typeof AUDITED)[number] | null {
  if (argv.some((a) => ['--help', '-h', '--dry-run'].includes(a))) return null;
  const rule = AUDITED.find((r) => r.words.every((w, i) => argv[i] === w));
  if (!rule) return null;
  if (rule.flags && !argv.some((a) => rule.flags!.some((f) => a === f || a.startsWith(`${f}=`)))) return null;
  return rule;
}

/** The ops user: OS account and host (a container may have no passwd entry: then its uid). */
export function opsActor(): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = `uid ${process.getuid?.() ?? 'unknown'}`;
  }
  return `ops:${user}@${os.hostname()}`;
}

/** This machine's first external IPv4 address, else loopback: where the ops action came from. */
export function opsHostIp(): string {
  for (const addresses of Object.values(os.networkInterfaces()))
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

export function commandLine(argv: string[]): string {
  const line = ['ops', ...argv]
    .map((a) => a.replace(/(\/\/)[^/@\s]+@/g, '$1***@'))
    .map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a))
    .join(' ');
  return line.length > MAX_COMMAND_LINE ? `${line.slice(0, MAX_COMMAND_LINE)}…` : line;
}

/** Writes the run of an audited command (waits for the write; a failure to write is only logged). */
export async function recordOpsAction(
  audit: AuditService,
  rule: (typeof AUDITED)[number],
  run: OpsActionRun,
): Promise<boolean> {
  const failed = run.error !== undefined || !(run.exitCode === 0 || (rule.findingExit && run.exitCode === 1));
  return audit.recordNow({
    type: OPS_ACTION,
    ip: opsHostIp(),
    actor: opsActor(),
    route: run.commandLine,
    reason: `exit ${run.exitCode}${run.error ? `: ${run.error}` : ''}`.slice(0, MAX_COMMAND_LINE),
    outcome: failed ? 'failure' : 'success',
  });
}
