// `npm run ops -- <command>`: the ops CLI. It talks to the databases of a running `npm start`
// (recorded under .data/), or to MONGODB_URI / REDIS_URL, or starts the embedded services on the
// same data folder for the length of this run. Commands that need no database start nothing.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { NODE24, OPS_ENTRY, ROOT, ensureBuilt, ensureInstalled } from './lib/setup.mjs';

const args = process.argv.slice(2);
ensureInstalled();
ensureBuilt();

const wantsHelp =
  args.length === 0 || args.includes('--help') || args.includes('-h') || args.includes('--version');
// `assistant` and `mcp` (the stdio bridge to a running API) need no database.
const offline = wantsHelp || args[0] === 'assistant' || args[0] === 'mcp';
let services = { env: {}, stop: async () => {} };
if (!offline) {
  const { provideServices, ServiceError } = await import('./lib/embedded.cjs');
  try {
    services = await provideServices({ dataDir: path.join(ROOT, '.data'), persist: true });
  } catch (err) {
    process.stderr.write(`${err instanceof ServiceError ? '' : 'unexpected: '}${err.message}\n`);
    process.exit(2);
  }
}

const child = spawn(NODE24, [OPS_ENTRY, ...args], {
  cwd: ROOT,
  env: { ...process.env, ...services.env },
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', async (code, signal) => {
  await services.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
