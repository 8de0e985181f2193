// `npm run services`: start the embedded FerretDB and Redis on their own (recorded under .data/),
// for running the API from an editor or `npm run ops` against the same data. Ctrl-C stops them.
import path from 'node:path';
import { ROOT, ensureInstalled } from './lib/setup.mjs';

ensureInstalled();
const { provideServices, onShutdown } = await import('./lib/embedded.cjs');
const services = await provideServices({ dataDir: path.join(ROOT, '.data'), persist: true, record: true });
process.stdout.write(`MONGODB_URI=${services.env.MONGODB_URI}\nREDIS_URL=${services.env.REDIS_URL}\n`);
onShutdown(() => services.stop());
setInterval(() => {}, 1 << 30);
