import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import type { Command as Commander } from 'commander';
import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { AuditService } from '@app/security';
import { EXIT } from './cli/exit-codes';
import { auditedCommand, commandLine, recordOpsAction } from './cli/ops-audit';
import { failCommand } from './cli/output';
import { AssistantOpsModule } from './commands/assistant-ops.module';
import { OpsModule } from './ops.module';

const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Help, version and unknown words need no database: they only read the command tree. */
function onlyReadsCommandTree(argv: string[]): boolean {
  return (
    argv.length === 0 ||
    argv[0] === 'help' ||
    argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a))
  );
}

/**
 * Usage errors exit 2 on every level of the tree (commander's default is 1, and a group such as
 * `check` would print its help and exit 0 for an unknown subcommand).
 */
function enforceUsageErrors(cmd: Commander): void {
  cmd.exitOverride((err) =>
    process.exit(HELP_CODES.has(err.code) || err.exitCode === 0 ? EXIT.ok : EXIT.usage),
  );
  if (cmd.commands.length > 0 && cmd.parent) {
    cmd.action(() => {
      const [word] = cmd.args;
      if (word === undefined) return cmd.help();
      process.stderr.write(
        `error: unknown command '${word}' for 'ops ${cmd.name()}'\n\n${cmd.helpInformation()}`,
      );
      process.exit(EXIT.usage);
    });
  }
  cmd.commands.forEach(enforceUsageErrors);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // `ops assistant …` needs no database and no cache: a slim module, no MONGODB_URI / REDIS_URL.
  const assistant = argv[0] === 'assistant';
  // `ops oncall` only reads the contacts (a values file or ONCALL_CONTACTS): no datastores either.
  const datastores = !assistant && argv[0] !== 'oncall' && !onlyReadsCommandTree(argv);
  const config = loadConfigOrExit(process.env, { datastores });
  const root = assistant ? AssistantOpsModule.forRoot(config) : OpsModule.forRoot(config);
  let commandError: string | undefined;
  const app = await CommandFactory.createWithoutRunning(root, {
    cliName: 'ops',
    logger: ['error'],
    version: config.version,
    errorHandler: () => process.exit(EXIT.usage),
    serviceErrorHandler: (err: unknown) => {
      commandError = err instanceof Error ? err.message : String(err);
      failCommand(err);
    },
  });
  const runner = app.get(CommandRunnerService);
  const commander = (runner as unknown as { commander: Commander }).commander;
  commander.name('ops');
  enforceUsageErrors(commander);
  // State-changing commands are written to the audit log: who, from where, what, and how it ended.
  const audited = assistant ? null : auditedCommand(argv);
  try {
    await runner.run();
  } catch (err) {
    commandError = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    if (audited)
      await recordOpsAction(app.get(AuditService), audited, {
        commandLine: commandLine(argv),
        exitCode: Number(process.exitCode ?? 0),
        error: commandError,
      });
    await app.close();
  }
}

main().catch((err) => {
  failCommand(err);
  process.exit();
});
