import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { createApiApp, handleShutdownSignals } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApiApp(config);
  handleShutdownSignals(app, config);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((err: Error) => {
  process.stderr.write(`The API could not start: ${err.message}\n`);
  process.exit(1);
});
