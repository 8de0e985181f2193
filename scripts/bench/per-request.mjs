// Per-request CPU cost of the API's no-database routes, in-process (Fastify inject, no sockets): the
// figures docs/performance.md attributes hook by hook. Boots the built API (createApiApp, as
// production builds it) on fresh embedded FerretDB + Redis, or on MONGODB_URI / REDIS_URL when set,
// registers one user with a 1,000-event history, then for each route runs WARM requests and
// measures N requests, CONCURRENCY at a time: CPU µs (user + system) per request and wall time.
//
//   node scripts/bench/per-request.mjs [--dist DIR] [--rounds 3] [--n 20000]
//   node scripts/bench/per-request.mjs --profile DIR   (the measured loops only; see profile-buckets.mjs)
//
// `--dist` points at another build (a copy of dist/ made before a change) for same-minute A/B runs:
// run both alternately and compare the medians. Prints JSON lines to stdout.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../lib/setup.mjs';
import * as seed from './seed.mjs';

const { values: opts } = parseArgs({
  options: {
    dist: { type: 'string', default: path.join(ROOT, 'dist') },
    rounds: { type: 'string', default: '3' },
    n: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    routes: { type: 'string', default: 'health,cached' },
    profile: { type: 'string' },
  },
});
const require = createRequire(import.meta.url);
const WINDOW = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-08T00:00:00Z') };
const LIST_PATH = `/v1/events?from=${WINDOW.from.toISOString()}&to=${WINDOW.to.toISOString()}&limit=100`;

let services = null;
let dataDir = null;
if (!process.env.MONGODB_URI || !process.env.REDIS_URL) {
  const { provideServices } = require(path.join(ROOT, 'scripts/lib/embedded.cjs'));
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'calendar-per-request-'));
  services = await provideServices({ dataDir, reuse: false });
  Object.assign(process.env, services.env);
}
Object.assign(process.env, {
  NODE_ENV: 'production',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  JWT_SECRET: randomBytes(36).toString('base64url'),
  JWT_ACCESS_TTL_SECONDS: '86400',
  RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE ?? '0',
  RATE_LIMIT_AUTH_PER_MINUTE: process.env.RATE_LIMIT_AUTH_PER_MINUTE ?? '0',
  RATE_LIMIT_USER_PER_MINUTE: process.env.RATE_LIMIT_USER_PER_MINUTE ?? '0',
  RATE_LIMIT_ASSISTANT_PER_MINUTE: process.env.RATE_LIMIT_ASSISTANT_PER_MINUTE ?? '0',
  ALLOW_INSECURE_DATASTORES: 'true',
});

require('reflect-metadata');
const dist = path.resolve(opts.dist);
const { loadConfigOrExit } = require(path.join(dist, 'apps/api/libs/config/src/index.js'));
const { createApiApp } = require(path.join(dist, 'apps/api/apps/api/src/create-api-app.js'));
const app = await createApiApp(loadConfigOrExit());
await app.init();
await app.getHttpAdapter().getInstance().ready();

const run = randomBytes(3).toString('hex');
const registered = await app.inject({
  method: 'POST',
  url: '/v1/auth/register',
  payload: {
    email: `per-request-${run}@bench.example.com`,
    password: `pw-${run}-long-enough`,
    name: 'Bench',
    timeZone: seed.BENCH_ZONE,
  },
});
if (registered.statusCode !== 201) throw new Error(`register: ${registered.statusCode} ${registered.body}`);
const { user, accessToken } = registered.json();
const db = await seed.connect(process.env.MONGODB_URI);
await seed.insertAll(db.events, seed.historyDocuments(user.id, 1000, WINDOW));
await db.client.close();

const ROUTES = {
  health: { method: 'GET', url: '/health/live' },
  cached: { method: 'GET', url: LIST_PATH, headers: { authorization: `Bearer ${accessToken}` } },
};
const n = Number(opts.n);
const concurrency = Number(opts.concurrency);

async function loop(request, count) {
  let next = 0;
  let failed = 0;
  let sample = '';
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) {
        const res = await app.inject(request);
        if (res.statusCode !== 200) {
          failed++;
          sample = `${res.statusCode} ${res.body.slice(0, 200)}`;
        }
      }
    }),
  );
  if (failed) throw new Error(`${failed} of ${count} ${request.url} answers were not 200, e.g. ${sample}`);
}

// One request at a time until the week list answers (FerretDB on SQLite is slow to fill the cache).
for (let attempt = 0; (await app.inject(ROUTES.cached)).statusCode !== 200; attempt++)
  if (attempt > 30) throw new Error('the week list does not answer');

for (let round = 0; round < Number(opts.rounds); round++) {
  for (const name of opts.routes.split(',')) {
    const request = ROUTES[name];
    await loop(request, Math.min(n, 5000)); // warm-up: JIT, caches
    const session = opts.profile ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const cpu = process.cpuUsage();
    const t = performance.now();
    await loop(request, n);
    const wall = performance.now() - t;
    const used = process.cpuUsage(cpu);
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(opts.profile, { recursive: true });
      const label = path.basename(dist) === 'dist' ? 'current' : path.basename(dist);
      writeFileSync(path.join(opts.profile, `${label}-${name}-${round}.cpuprofile`), JSON.stringify(profile));
    }
    console.log(
      JSON.stringify({
        dist: path.relative(ROOT, dist) || '.',
        round,
        route: name,
        cpuUsPerRequest: +((used.user + used.system) / n).toFixed(1),
        wallUsPerRequest: +((wall * 1000) / n).toFixed(1),
      }),
    );
  }
}
await app.close();
if (services) await services.stop();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
