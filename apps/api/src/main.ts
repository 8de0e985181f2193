import 'reflect-metadata';
import { ConfigError, loadConfigOrExit } from '@app/config';
import { createApiApp, handleShutdownSignals } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApiApp(config);
  handleShutdownSignals(app, config);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((err: Error) => {
  if (err instanceof ConfigError) {
    // A configuration refused for production (assertProductionReady): one line, exit 2 like loadConfigOrExit.
    process.stderr.write(`Configuration error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`The API could not start: ${err.message}\n`);
  process.exit(1);
});
