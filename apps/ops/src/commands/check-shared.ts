import { ValidationError } from '@app/common';
import { Option } from 'nest-commander';
import { EXIT } from '../cli/exit-codes';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';

/** Shared by the `check db-performance|cache|performance|security` and `security …` commands. */

export interface StrictFlags extends JsonFlags {
  strict?: boolean;
}

export type Level = 'ok' | 'info' | 'warn' | 'fail';

/** A check with `--json` and `--strict` (warnings fail the check too). */
export abstract class StrictCheckCommand extends JsonFlagCommand {
  @Option({ flags: '--strict', description: 'exit 1 on warnings too (by default only failures exit 1)' })
  parseStrict(): boolean {
    return true;
  }
}

/** 0 unless something failed — or, with --strict, warned. */
export function exitCodeFor(levels: Level[], strict: boolean): number {
  if (levels.includes('fail')) return EXIT.checkFailed;
  if (strict && levels.includes('warn')) return EXIT.checkFailed;
  return EXIT.ok;
}

export const levelMark = (level: Level): string =>
  ({ ok: ' OK ', info: 'INFO', warn: 'WARN', fail: 'FAIL' })[level];

/** Parses a whole-number option; usage errors exit 2. */
export function intOption(value: string | undefined, name: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new ValidationError(`${name} must be a whole number of at least ${min} (got "${value}")`);
  return n;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export const percent = (ratio: number | null): string =>
  ratio === null ? 'n/a' : `${(ratio * 100).toFixed(1)}%`;
