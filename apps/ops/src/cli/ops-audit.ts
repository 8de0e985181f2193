import { AuditService, OPS_ACTION } from '@app/audit';
import type { CommandRunner } from 'nest-commander';
import os from 'node:os';

/** What an audited run did, as far as the audit log needs it. */
export interface OpsActionRun {
  /** `ops security deny-list --add 203.0.113.7 --reason …` (credentials in URLs masked, clipped). */
  commandLine: string;
  exitCode: number;
  /** The message of an error that escaped the command. */
  error?: string;
}

const MAX_COMMAND_LINE = 500;

/** How a state-changing command is audited. */
export interface AuditedOptions<F = Record<string, unknown>> {
  /** Audited only when this holds for the parsed flags (deny-list without --add/--remove only reads). */
  when?: (flags: F) => boolean;
  /** Exit 1 reports a finding, not a failed action (suspicious-ips exits 1 when it finds one). */
  findingExit?: boolean;
}

/** The audited command this process is running, once its run() has started. */
let running: AuditedOptions | null = null;

/**
 * Declares a command that changes state: every run of it is written to the audit log as an
 * `ops_action` (who, from where, the command line and how it ended) by main.ts once it is over.
 * Help, usage errors the parser catches and read-only commands never reach run() and are not audited.
 */
export function AuditedAction<F>(options: AuditedOptions<F> = {}): ClassDecorator {
  return (target) => {
    const proto = target.prototype as CommandRunner;
    const run = proto.run;
    proto.run = function (this: CommandRunner, args: string[], flags?: Record<string, unknown>) {
      if (options.when?.((flags ?? {}) as F) ?? true) running = options as AuditedOptions;
      return run.call(this, args, flags);
    };
  };
}

/** The audited command that ran in this process, or null. */
export function auditedRun(): AuditedOptions | null {
  return running;
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
  rule: AuditedOptions,
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
