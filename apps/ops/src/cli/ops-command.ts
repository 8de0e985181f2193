import type { Command, CommanderError } from 'commander';
import { CommandRunner, Option } from 'nest-commander';
import { EXIT } from './exit-codes';

const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Help and version exit 0; every other commander error is a usage error, exit 2 (commander's default is 1). */
export function exitOnUsageError(err: Error): never {
  const { code = '', exitCode } = err as Partial<CommanderError>;
  process.exit(HELP_CODES.has(code) || exitCode === 0 ? EXIT.ok : EXIT.usage);
}

export interface JsonFlags {
  json?: boolean;
}

/**
 * Every ops command. nest-commander hands each command its own commander `Command`, which does not
 * inherit the program's exit handling, so each one sets it: usage errors exit 2 at every level.
 */
export abstract class OpsCommand extends CommandRunner {
  override setCommand(command: Command): this {
    command.exitOverride(exitOnUsageError);
    return super.setCommand(command);
  }
}

/** A command with `--json`. */
export abstract class JsonFlagCommand extends OpsCommand {
  @Option({ flags: '--json', description: 'print JSON for machines' })
  parseJson(): boolean {
    return true;
  }
}

/**
 * A group such as `ops check`: alone it prints its help; an unknown word is a usage error, exit 2
 * (commander would print the group's help and exit 0).
 */
export abstract class CommandGroup extends OpsCommand {
  async run([word]: string[]): Promise<void> {
    if (word === undefined) return this.command.help();
    process.stderr.write(
      `error: unknown command '${word}' for 'ops ${this.command.name()}'\n\n${this.command.helpInformation()}`,
    );
    process.exit(EXIT.usage);
  }
}
