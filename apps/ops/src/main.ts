import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { CommandFactory } from 'nest-commander';
import { EXIT } from './cli/exit-codes';
import { failCommand } from './cli/output';
import { OpsModule } from './ops.module';

const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  await CommandFactory.run(OpsModule.forRoot(config), {
    cliName: 'ops',
    logger: ['error'],
    version: config.version,
    // Unknown commands or options are usage errors: exit 2.
    errorHandler: (err: Error & { code?: string; exitCode?: number }) => {
      process.exit(HELP_CODES.has(err.code ?? '') || err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    },
    serviceErrorHandler: failCommand,
  });
}

main().catch((err) => {
  failCommand(err);
  process.exit();
});
