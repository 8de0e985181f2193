// `npm test`: install what is missing, build (the CLI is tested as built), then run unit,
// integration and end-to-end tests. The e2e project's global setup starts FerretDB and Redis.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { NODE24, ROOT, ensureBuilt, ensureInstalled } from './lib/setup.mjs';

ensureInstalled();
ensureBuilt();
const jest = path.join(ROOT, 'node_modules/jest/bin/jest.js');
const r = spawnSync(NODE24, [jest, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
