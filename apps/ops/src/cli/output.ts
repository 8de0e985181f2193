import { DomainError, ValidationError } from '@app/common';
import { EXIT } from './exit-codes';

/** Writes a human line to stdout unless --json; JSON output is one document on stdout. */
export class Output {
  constructor(private readonly json: boolean) {}

  line(text = ''): void {
    if (!this.json) process.stdout.write(text + '\n');
  }

  result(value: unknown): void {
    if (this.json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** Progress for long operations goes to stderr so stdout stays clean for pipes and --json. */
  progress(text: string): void {
    process.stderr.write(text + '\n');
  }
}

export const mark = (ok: boolean | 'warn'): string => (ok === 'warn' ? 'WARN' : ok ? ' OK ' : 'FAIL');

/** One clear line and the right exit code for an error escaping a command. */
export function failCommand(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  process.exitCode =
    err instanceof ValidationError
      ? EXIT.usage
      : err instanceof DomainError
        ? EXIT.checkFailed
        : EXIT.checkFailed;
}
