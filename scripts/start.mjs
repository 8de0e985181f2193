// `npm start`: install what is missing, build, start embedded FerretDB and Redis (unless
// MONGODB_URI / REDIS_URL are set), and serve the API. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { API_ENTRY, NODE24, ROOT, ensureBuilt, ensureInstalled } from './lib/setup.mjs';

ensureInstalled();
ensureBuilt();

const { provideServices, onShutdown, ServiceError, sleep } = await import('./lib/embedded.cjs');
let services;
try {
  services = await provideServices({ dataDir: path.join(ROOT, '.data'), persist: true, record: true });
} catch (err) {
  process.stderr.write(`${err instanceof ServiceError ? '' : 'unexpected: '}${err.message}\n`);
  process.exit(1);
}

const port = process.env.PORT ?? '3000';
const api = spawn(NODE24, [API_ENTRY], {
  cwd: ROOT,
  env: { ...process.env, ...services.env },
  stdio: 'inherit',
});

onShutdown(async () => {
  api.kill('SIGTERM');
  await new Promise((resolve) => (api.exitCode !== null ? resolve() : api.once('exit', resolve)));
  await services.stop();
});
api.on('exit', async (code) => {
  await services.stop();
  process.exit(code ?? 0);
});

// Print the addresses once the API answers.
const base = `http://localhost:${port}`;
for (let i = 0; i < 300 && api.exitCode === null; i++) {
  const ok = await fetch(`${base}/health/live`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) {
    process.stderr.write(
      `\nCalendar Assistant is running:\n  API      ${base}\n  Docs     ${base}/docs\n  Health   ${base}/health\n  Metrics  ${base}/metrics\nPress Ctrl-C to stop.\n\n`,
    );
    break;
  }
  await sleep(200);
}
