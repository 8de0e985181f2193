import 'reflect-metadata';
import { CLIENT_NAMES, loadConfigOrExit } from '@app/config';
import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { AuditService } from '@app/audit';
import { awaitDatastores } from './cli/datastores';
import { auditedRun, commandLine, recordOpsAction } from './cli/ops-audit';
import { exitOnUsageError } from './cli/ops-command';
import { failCommand } from './cli/output';
import { AssistantOpsModule } from './commands/assistant-ops.module';
import { McpOpsModule } from './commands/mcp-ops.module';
import { OpsModule } from './ops.module';

/** Help, version and unknown words need no database: they only read the command tree. */
function onlyReadsCommandTree(argv: string[]): boolean {
  return (
    argv.length === 0 ||
    argv[0] === 'help' ||
    argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a))
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // `ops assistant …` needs no database and no cache: a slim module, no MONGODB_URI / REDIS_URL.
  const assistant = argv[0] === 'assistant';
  // `ops mcp` only talks to a running API: a slim module too.
  const mcp = argv[0] === 'mcp';
  // `ops oncall` only reads the contacts (a values file or ONCALL_CONTACTS): no datastores either.
  const datastores = !assistant && !mcp && argv[0] !== 'oncall' && !onlyReadsCommandTree(argv);
  const config = loadConfigOrExit(process.env, { datastores, clientName: CLIENT_NAMES.ops });
  const root = assistant
    ? AssistantOpsModule.forRoot(config)
    : mcp
      ? McpOpsModule.forRoot(config)
      : OpsModule.forRoot(config);
  let commandError: string | undefined;
  const app = await CommandFactory.createWithoutRunning(root, {
    cliName: 'ops',
    logger: ['error'],
    version: config.version,
    errorHandler: exitOnUsageError,
    serviceErrorHandler: (err: unknown) => {
      commandError = err instanceof Error ? err.message : String(err);
      failCommand(err);
    },
  });
  try {
    if (datastores) await awaitDatastores(app);
    // commander names the program after the script it is given: `ops`, whatever file runs it.
    await app.get(CommandRunnerService).run([process.argv[0], 'ops', ...argv]);
  } catch (err) {
    commandError = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    // State-changing commands (@AuditedAction) are written to the audit log: who, from where, what, how it ended.
    const audited = auditedRun();
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
