// `npm run bench`: the API's hot routes against this machine's own ceiling, measured in one run.
//
// Builds, starts fresh embedded FerretDB + Redis and the API (NODE_ENV=production, warn-level logs,
// rate limits off), seeds one heavy user (10,000 events, 100 recurring series) and 1,000 light
// users, and drives each scenario with wrk on loopback after a warm-up — the server pinned to core 0
// and wrk to core 1 where the machine allows. Beside the API, on the same port and connection
// count, the anchors: the ceiling (bare Fastify answering the cached week list's body from memory),
// the framework floor (a bare NestJS app on the Fastify adapter answering the same body), the driver
// floor (bare Fastify + the native driver running the same window query) and the write floor (bare
// Fastify + the native driver inserting the same event document and running the same conflict
// query). Also: one user's uncached week list in a database of its own, first alone, then with
// 100,000 other users' events; and the offline interpreter in-process on one core.
//
// Prints a table (req/s, p50, p99, ratios), every anchor and every target of issue 19 with met / not
// met to stdout, progress to stderr, and writes
// bench/results.json. Options: `--only a,b` (health, cached, uncached, post, assistant, growth,
// caldav, interpreter), `--cpu-prof DIR` (profiles of the API processes). Env: BENCH_DURATION (default
// 10s), BENCH_WARMUP (3s), BENCH_CONNECTIONS (32), BENCH_DB_CONNECTIONS (1, scenarios 3 and 4 and
// their floors), BENCH_GROWTH_SAMPLES (5), BENCH_GROWTH_OTHERS (100000: other users' events).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { API_ENTRY, NODE24, ROOT, ensureBuilt, ensureInstalled } from './lib/setup.mjs';
import { PINNED, ensureWrk, pinned, runWrk } from './bench/wrk.mjs';

const SCENARIOS = ['health', 'cached', 'uncached', 'post', 'assistant', 'growth', 'caldav', 'interpreter'];
const { values: opts } = parseArgs({
  options: { only: { type: 'string' }, 'cpu-prof': { type: 'string' } },
});
const only = new Set(opts.only ? opts.only.split(',').map((s) => s.trim()) : SCENARIOS);
for (const name of only) {
  if (!SCENARIOS.includes(name)) {
    process.stderr.write(`bench: unknown scenario "${name}"; one of ${SCENARIOS.join(', ')}\n`);
    process.exit(2);
  }
}
const DURATION = process.env.BENCH_DURATION ?? '10s';
const WARMUP = process.env.BENCH_WARMUP ?? '3s';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/**
 * Connections for the database-bound runs (scenarios 3 and 4 and their floors): one at a time
 * measures the query's own cost; more would measure the queue in front of FerretDB (and, past the
 * API's 2 s wait for a pooled connection, 503s).
 */
const DB_CONNECTIONS = Number(process.env.BENCH_DB_CONNECTIONS ?? 1);
/** Sequential requests per history size in the growth measurement (after one warm-up request). */
const GROWTH_SAMPLES = Number(process.env.BENCH_GROWTH_SAMPLES ?? 5);
/** Other users' events beside the growth user's own (issue 19 asks for 100,000). */
const GROWTH_OTHERS = Number(process.env.BENCH_GROWTH_OTHERS ?? 100_000);
/** The growth user's own history, and how many users the others' events are spread over. */
const GROWTH_OWN = 1_000;
const GROWTH_OTHER_USERS = 100;
const seconds = (d) => Number(/^(\d+)/.exec(d)?.[1] ?? 10) * ({ m: 60, h: 3600 }[d.at(-1)] ?? 1);

/** The one-week window of scenarios 2 and 3: every seeded history is centred on it. */
const WINDOW = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-08T00:00:00Z') };
const LIST_PATH = `/v1/events?from=${WINDOW.from.toISOString()}&to=${WINDOW.to.toISOString()}&limit=100`;
const POST_BODY = JSON.stringify({ title: 'Bench', start: '2026-07-01T10:00' });
const ASSISTANT_BODY = JSON.stringify({ text: 'what do I have this week?' });

/** Issue 19's targets, in the order the report prints them (each met, not met or not measured). */
const TARGETS = {
  health: 'GET /health/live req/s ≥ 75% of the ceiling',
  cached: 'cached week list req/s ≥ 60% of the ceiling, p99 ≤ 2× the ceiling p99',
  uncached: 'uncached week list req/s ≥ 80% of the driver floor',
  post: 'POST /v1/events req/s ≥ 70% of the write floor',
  growth: "a user's uncached week with 100,000 other users' events within 1.5× of it with none (p50)",
  interpreter: 'offline interpreter ≥ 10,000 interpretations/s on one core',
  caldav:
    'CalDAV calendar-query over a month and sync-collection of 1,000 changes within 2× of the REST list and sync of the same (p50, issue 18)',
};
/** The anchors each scenario is judged against, and the scenarios that need each one. */
const ANCHORS = {
  ceiling: { label: 'ceiling: bare Fastify, same body', for: ['health', 'cached', 'assistant'] },
  nestFloor: { label: 'framework floor: bare NestJS + Fastify, same body', for: ['health', 'cached'] },
  driverFloor: { label: 'driver floor: Fastify + driver, same query', for: ['uncached'] },
  writeFloor: { label: 'write floor: Fastify + driver insert + conflict query', for: ['post'] },
};

const say = (msg) => process.stderr.write(`bench: ${msg}\n`);

ensureInstalled();
ensureBuilt();
const results = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.availableParallelism(),
    loadavg: os.loadavg().map((l) => +l.toFixed(2)),
    pinned: PINNED,
  },
  duration: DURATION,
  warmup: WARMUP,
  connections: CONNECTIONS,
  scenarios: {},
  growth: null,
  interpreter: null,
  caldav: null,
  targets: [],
};

if (only.has('interpreter')) {
  say('offline interpreter in-process on one core…');
  const [cmd, argv] = pinned(0, NODE24, [path.join(ROOT, 'scripts/bench/interpreter.mjs')]);
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: { ...process.env, BENCH_SECONDS: String(seconds(DURATION)) },
  });
  if (r.status !== 0) throw new Error(`the interpreter bench failed: ${r.stderr}`);
  results.interpreter = JSON.parse(r.stdout);
}

const needsServices = [...only].some((s) => s !== 'interpreter');
if (needsServices) {
  ensureWrk();
  await runServerScenarios();
}
report();

// ── the servers ─────────────────────────────────────────────────────────────────────────────────

async function runServerScenarios() {
  const { provideServices, freePort, sleep } = await import('./lib/embedded.cjs');
  // Always fresh embedded services: never a MONGODB_URI / REDIS_URL from the environment.
  delete process.env.MONGODB_URI;
  delete process.env.REDIS_URL;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'calendar-bench-'));
  say('starting FerretDB and Redis…');
  const services = await provideServices({ dataDir, reuse: false });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const secret = randomBytes(36).toString('base64url');
  let current = null;

  /** Starts `file` with node on core 0 on the bench port; resolves once it answers HTTP. */
  const start = async (name, file, env, nodeArgs = []) => {
    const [cmd, argv] = pinned(0, NODE24, [...nodeArgs, file]);
    const child = spawn(cmd, argv, {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 2, 2],
    });
    current = child;
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} during start`);
      const up = await fetch(`${base}/health/live`).then(
        () => true,
        () => false,
      );
      if (up) return;
      await sleep(100);
    }
    throw new Error(`${name} did not answer within 30 s`);
  };
  const stop = async () => {
    const child = current;
    current = null;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  };
  const cleanup = async () => {
    await stop();
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

  const cpuProf = opts['cpu-prof'] ? path.resolve(opts['cpu-prof']) : null;
  if (cpuProf) mkdirSync(cpuProf, { recursive: true });
  const startApi = (label, env = {}) =>
    start(
      'the API',
      API_ENTRY,
      {
        ...services.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        JWT_SECRET: secret,
        JWT_ACCESS_TTL_SECONDS: '86400',
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_AUTH_PER_MINUTE: '0',
        RATE_LIMIT_USER_PER_MINUTE: '0',
        RATE_LIMIT_ASSISTANT_PER_MINUTE: '0',
        // Loopback FerretDB and Redis without TLS, as in any local run.
        ALLOW_INSECURE_DATASTORES: 'true',
        ...env,
      },
      cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`, `--cpu-prof-name=api-${label}.cpuprofile`] : [],
    );

  const seed = await import('./bench/seed.mjs');
  const db = await seed.connect(services.env.MONGODB_URI);
  const measure = (name, label, url, args = [], connections = CONNECTIONS) => {
    say(`${label}: warm-up ${WARMUP}, then ${DURATION} with ${connections} connections…`);
    const r = runWrk({ url, args, duration: DURATION, warmup: WARMUP, connections });
    results.scenarios[name] = { label, connections, ...r };
    say(
      `${label}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.non2xx ? `, ${r.non2xx} non-2xx` : ''}`,
    );
    return r;
  };
  /**
   * One request; a 503 (FerretDB still working through the queries of the last scenario) is retried
   * for up to a minute.
   */
  const call = async (method, p, token, body) => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(base + p, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body,
      });
      const text = await res.text();
      if (res.ok) return text;
      if (res.status !== 503 || attempt >= 60) throw new Error(`${method} ${p}: ${res.status} ${text}`);
      await sleep(1000);
    }
  };
  const auth = (token) => ['-H', `Authorization: Bearer ${token}`];
  /** Runs one measurement; a failure is recorded and reported, and the other scenarios still run. */
  const guarded = (name, fn) => {
    try {
      return fn();
    } catch (err) {
      results.failures = { ...results.failures, [name]: err.message };
      say(`${name} failed: ${err.message}`);
      return null;
    }
  };
  const guardedAsync = async (name, fn) => {
    try {
      return await fn();
    } catch (err) {
      results.failures = { ...results.failures, [name]: err.message.slice(0, 300) };
      say(`${name} failed: ${err.message.slice(0, 300)}`);
      return null;
    }
  };
  /** The week list, one request at a time after one warm-up: the cost of the query, not of a queue. */
  const sequential = async (token, label) => {
    const items = JSON.parse(await call('GET', LIST_PATH, token)).items.length;
    const times = [];
    for (let i = 0; i < GROWTH_SAMPLES; i++) {
      const t = performance.now();
      await call('GET', LIST_PATH, token);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const g = {
      occurrences: items,
      p50: +times[times.length >> 1].toFixed(2),
      max: +times.at(-1).toFixed(2),
    };
    say(`growth, ${label}: ${items} occurrences, p50 ${g.p50} ms, max ${g.max} ms`);
    return g;
  };
  const work = path.join(dataDir, 'wrk');
  mkdirSync(work);
  /** A wrk script sending `body` with a token per request, round-robin over `tokens`. */
  const rotating = (name, method, tokens, body) => {
    const file = path.join(work, `${name}.lua`);
    writeFileSync(
      file,
      [
        `local tokens = {${tokens.map((t) => `"${t}"`).join(',')}}`,
        'local i = 0',
        `wrk.method = "${method}"`,
        'wrk.headers["Content-Type"] = "application/json"',
        `wrk.body = '${body}'`,
        'request = function()',
        '  i = i + 1',
        '  wrk.headers["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]',
        '  return wrk.format()',
        'end',
        '',
      ].join('\n'),
    );
    return ['-s', file];
  };

  try {
    say('starting the API (NODE_ENV=production)…');
    await startApi('cached');

    // ── seed ──
    const password = `bench-${randomBytes(12).toString('base64url')}`;
    const run = randomBytes(3).toString('hex');
    const heavyCount = 10_000;
    const t0 = Date.now();
    const heavy = await seed.register(base, `heavy-${run}@bench.example.com`, password);
    say(`seeding ${heavyCount.toLocaleString('en')} events for one user…`);
    await seed.insertAll(db.events, seed.historyDocuments(heavy.id, heavyCount, WINDOW));
    let light = [];
    if (only.has('post')) {
      say('registering 1,000 light users through the API…');
      light = await seed.pool(
        Array.from({ length: 1000 }, (_, i) => i),
        4,
        (i) => seed.register(base, `light-${i}-${run}@bench.example.com`, password),
      );
      // Three events this week each: a small calendar, as most users have.
      const now = Date.now();
      await seed.insertAll(
        db.events,
        light.flatMap((u) =>
          [1, 2, 3].map((d) =>
            seed.eventDocument(u.id, {
              start: new Date(Math.round((now + d * 86_400_000) / 3_600_000) * 3_600_000),
              end: new Date(Math.round((now + d * 86_400_000) / 3_600_000) * 3_600_000 + 3_600_000),
              recurrence: null,
              fields: { title: `Errand ${d}` },
            }),
          ),
        ),
      );
    }
    results.seed = { seconds: Math.round((Date.now() - t0) / 1000), lightUsers: light.length };

    // The week list, as the API answers it: the ceiling's body and a check of the seeded data.
    const listBody = await call('GET', LIST_PATH, heavy.token);
    const listed = JSON.parse(listBody).items.length;
    results.window = { path: LIST_PATH, occurrences: listed, bytes: Buffer.byteLength(listBody) };
    say(`the week list holds ${listed} occurrences (${Buffer.byteLength(listBody)} bytes)`);
    const bodyFile = path.join(work, 'list.json');
    writeFileSync(bodyFile, listBody);

    if (only.has('health')) measure('health', '1. GET /health/live', `${base}/health/live`);
    if (only.has('cached'))
      measure('cached', '2. GET /v1/events week (cached)', base + LIST_PATH, auth(heavy.token));
    if (only.has('assistant')) {
      // The heavy user, whose history covers this week: interpretation, the cached week page and
      // the answer (the first request fills the cache, as a user's first look at the week does).
      await call('POST', '/v1/assistant/messages', heavy.token, ASSISTANT_BODY);
      guarded('assistant', () =>
        measure(
          'assistant',
          '5. POST /v1/assistant/messages (list)',
          `${base}/v1/assistant/messages`,
          rotating('assistant', 'POST', [heavy.token], ASSISTANT_BODY),
        ),
      );
    }
    let writeTemplate = null;
    if (only.has('post')) {
      const created = JSON.parse(await call('POST', '/v1/events', light[0].token, POST_BODY));
      const { ObjectId, BSON } = seed.mongodb;
      const stored = await db.events.findOne({ _id: new ObjectId(created.event.id) });
      const template = { ...stored };
      for (const key of ['_id', 'uid', 'createdAt', 'updatedAt']) delete template[key];
      writeTemplate = path.join(work, 'event.ejson');
      writeFileSync(writeTemplate, BSON.EJSON.stringify(template, { relaxed: false }));
      measure(
        'post',
        '4. POST /v1/events',
        `${base}/v1/events`,
        rotating(
          'post',
          'POST',
          light.map((u) => u.token),
          POST_BODY,
        ),
        DB_CONNECTIONS,
      );
    }
    await stop();

    if (only.has('uncached')) {
      say('restarting the API with CACHE_READS=false…');
      await startApi('uncached', { CACHE_READS: 'false' });
      const uncachedBody = await call('GET', LIST_PATH, heavy.token);
      if (uncachedBody !== listBody) throw new Error('the uncached week list differs from the cached one');
      measure(
        'uncached',
        '3. GET /v1/events week (no cache)',
        base + LIST_PATH,
        auth(heavy.token),
        DB_CONNECTIONS,
      );
      await stop();
      await start('the driver floor', path.join(ROOT, 'scripts/bench/driver-floor.mjs'), {
        MONGODB_URI: services.env.MONGODB_URI,
        OWNER_ID: heavy.id,
        FROM: WINDOW.from.toISOString(),
        TO: WINDOW.to.toISOString(),
      });
      measure('driverFloor', ANCHORS.driverFloor.label, base + LIST_PATH, [], DB_CONNECTIONS);
      await stop();
    }

    if (only.has('caldav')) {
      // The heavy user's calendar over CalDAV and REST, uncached on both sides, one request at a time.
      say('restarting the API with CACHE_READS=false and TRUST_PROXY=true for CalDAV…');
      await startApi('caldav', { CACHE_READS: 'false', TRUST_PROXY: 'true' });
      const { measureCaldav } = await import('./bench/caldav.mjs');
      results.caldav = await guardedAsync('caldav', async () => {
        const created = JSON.parse(
          await call('POST', '/v1/me/app-passwords', heavy.token, JSON.stringify({ name: 'bench' })),
        );
        return measureCaldav({
          base,
          token: heavy.token,
          email: `heavy-${run}@bench.example.com`,
          password: created.password,
          ownerId: heavy.id,
          db,
          ObjectId: seed.mongodb.ObjectId,
          samples: GROWTH_SAMPLES,
          say,
        });
      });
      await stop();
    }

    if (only.has('growth')) {
      // A database of its own: one user's week alone, then the same read after 100,000 other users'
      // events (centred on the same week, so a filter on the time range alone would not spare them)
      // are stored beside it. The read's cost must not grow with other people's data.
      const uri = new URL(services.env.MONGODB_URI);
      uri.pathname = '/calendar_growth';
      const growthDb = await seed.connect(uri.toString());
      try {
        await startApi('growth', { CACHE_READS: 'false', MONGODB_URI: uri.toString() });
        const user = await seed.register(base, `growth-${run}@bench.example.com`, password);
        await seed.insertAll(growthDb.events, seed.historyDocuments(user.id, GROWTH_OWN, WINDOW));
        results.growth = { own: GROWTH_OWN, others: GROWTH_OTHERS };
        results.growth.alone = await guardedAsync('growth', () => sequential(user.token, 'alone'));
        say(`seeding ${GROWTH_OTHERS.toLocaleString('en')} events of ${GROWTH_OTHER_USERS} other users…`);
        const t = Date.now();
        const others = Array.from({ length: GROWTH_OTHER_USERS }, () =>
          new seed.mongodb.ObjectId().toHexString(),
        );
        await seed.insertAll(
          growthDb.events,
          (function* () {
            for (const [i, id] of others.entries()) {
              const share =
                Math.floor(GROWTH_OTHERS / others.length) + (i < GROWTH_OTHERS % others.length ? 1 : 0);
              yield* seed.historyDocuments(id, share, WINDOW);
            }
          })(),
        );
        results.growth.seedSeconds = Math.round((Date.now() - t) / 1000);
        results.growth.withOthers = await guardedAsync('growth', () => sequential(user.token, 'with others'));
        await stop();
      } finally {
        await growthDb.client.close();
      }
    }

    if (only.has('cached') || only.has('health') || only.has('assistant')) {
      await start('the ceiling', path.join(ROOT, 'scripts/bench/ceiling.mjs'), { BODY_FILE: bodyFile });
      measure('ceiling', ANCHORS.ceiling.label, base + LIST_PATH);
      await stop();
    }
    if (only.has('cached') || only.has('health')) {
      await start('the framework floor', path.join(ROOT, 'scripts/bench/nest-floor.mjs'), {
        BODY_FILE: bodyFile,
      });
      measure('nestFloor', ANCHORS.nestFloor.label, base + LIST_PATH);
      await stop();
    }
    if (writeTemplate) {
      await start('the write floor', path.join(ROOT, 'scripts/bench/write-floor.mjs'), {
        MONGODB_URI: services.env.MONGODB_URI,
        DOC_FILE: writeTemplate,
      });
      measure(
        'writeFloor',
        ANCHORS.writeFloor.label,
        `${base}/v1/events`,
        // The same users in the same order as scenario 4: each request's calendar (a primary
        // calendar's id is its account's) comes in the bearer slot, so the floor's conflict query
        // reads the same small calendars the API's does, not one calendar growing with every insert.
        rotating(
          'floor',
          'POST',
          light.map((u) => u.id),
          POST_BODY,
        ),
        DB_CONNECTIONS,
      );
      await stop();
    }
  } finally {
    await db.client.close();
    await cleanup();
  }
}

// ── the report ──────────────────────────────────────────────────────────────────────────────────

function judge(name, ok, detail) {
  results.targets.push({ name, target: TARGETS[name], ok, detail });
}

/** Judges every target of issue 19: met, not met, or not measured (and why). */
function judgeTargets() {
  const s = results.scenarios;
  const ratio = (a, b) => (a !== undefined && b ? a / b : null);
  const pct = (r) => `${(r * 100).toFixed(0)}%`;
  /** A scenario and its anchor with completed requests, or the reason they are missing. */
  const pair = (key, anchor) => {
    if (!only.has(key)) return `not measured (not in --only)`;
    for (const k of [key, anchor]) {
      if (!s[k])
        return `not measured (${k} missing${results.failures?.[k] ? `: ${results.failures[k]}` : ''})`;
      if (s[k].requests === 0) return `not measured (no ${k} request completed in ${DURATION})`;
    }
    return null;
  };
  const missing = {
    health: pair('health', 'ceiling'),
    cached: pair('cached', 'ceiling'),
    uncached: pair('uncached', 'driverFloor'),
    post: pair('post', 'writeFloor'),
  };
  for (const [name, why] of Object.entries(missing)) if (why) judge(name, null, why);
  if (!missing.health) {
    const r = ratio(s.health.rps, s.ceiling.rps);
    judge('health', r >= 0.75, `${pct(r)} of the ceiling's req/s`);
  }
  if (!missing.cached) {
    const r = ratio(s.cached.rps, s.ceiling.rps);
    const p = ratio(s.cached.p99, s.ceiling.p99);
    judge(
      'cached',
      r >= 0.6 && p <= 2,
      `${pct(r)} of the ceiling's req/s, p99 ${p.toFixed(2)}× the ceiling's`,
    );
  }
  if (!missing.uncached) {
    const r = ratio(s.uncached.rps, s.driverFloor.rps);
    judge('uncached', r >= 0.8, `${pct(r)} of the driver floor's req/s`);
  }
  if (!missing.post) {
    const r = ratio(s.post.rps, s.writeFloor.rps);
    judge('post', r >= 0.7, `${pct(r)} of the write floor's req/s`);
  }
  const g = results.growth;
  if (!only.has('growth')) judge('growth', null, 'not measured (not in --only)');
  else if (g?.alone?.p50 && g?.withOthers?.p50) {
    const r = g.withOthers.p50 / g.alone.p50;
    g.ratio = r;
    judge(
      'growth',
      r <= 1.5,
      `p50 ${r.toFixed(2)}× (${g.withOthers.p50} ms with ${g.others.toLocaleString('en')} other events, ${g.alone.p50} ms alone)`,
    );
  } else judge('growth', null, `not measured (${results.failures?.growth ?? 'no figures'})`);
  const c = results.caldav;
  if (!only.has('caldav')) judge('caldav', null, 'not measured (not in --only)');
  else if (c)
    judge(
      'caldav',
      c.month.ratio <= 2 && c.sync.ratio <= 2,
      `month ${c.month.ratio}× the REST list, sync ${c.sync.ratio}× the REST sync (p50)`,
    );
  else judge('caldav', null, `not measured (${results.failures?.caldav ?? 'no figures'})`);
  if (!only.has('interpreter')) judge('interpreter', null, 'not measured (not in --only)');
  else {
    const rps = results.interpreter.rps;
    judge('interpreter', rps >= 10_000, `${rps.toFixed(0)} interpretations/s`);
  }
  const order = Object.keys(TARGETS);
  results.targets.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

function report() {
  judgeTargets();
  const s = results.scenarios;
  const ratio = (a, b) => (b ? a / b : null);
  const pct = (r) => (r === null ? '' : `${(r * 100).toFixed(0)}%`);
  const rows = Object.entries(s).map(([key, r]) => {
    const vs =
      key === 'uncached'
        ? ['driver floor', s.driverFloor]
        : key === 'post'
          ? ['write floor', s.writeFloor]
          : ['ceiling', s.ceiling];
    return {
      scenario: r.label,
      conns: r.connections,
      'req/s': r.rps.toFixed(0),
      'p50 ms': r.p50?.toFixed(2),
      'p99 ms': r.p99?.toFixed(2),
      'vs ceiling': key === 'ceiling' ? '' : pct(ratio(r.rps, s.ceiling?.rps)),
      'vs Nest': key === 'ceiling' || key === 'nestFloor' ? '' : pct(ratio(r.rps, s.nestFloor?.rps)),
      'vs floor': vs[0] === 'ceiling' || !vs[1] ? '' : `${pct(ratio(r.rps, vs[1].rps))} of ${vs[0]}`,
      'non-2xx': r.non2xx || '',
    };
  });
  if (results.interpreter) {
    const i = results.interpreter;
    rows.push({
      scenario: 'offline interpreter, in-process, 1 core',
      conns: '',
      'req/s': i.rps.toFixed(0),
      'p50 ms': (i.p50Us / 1000).toFixed(3),
      'p99 ms': (i.p99Us / 1000).toFixed(3),
      'vs ceiling': '',
      'vs Nest': '',
      'vs floor': '',
      'non-2xx': '',
    });
  }
  printTable(rows);
  if (results.window)
    console.log(`\nweek window: ${results.window.occurrences} occurrences, ${results.window.bytes} bytes`);
  if (results.growth) {
    const g = results.growth;
    console.log(
      `\none user's uncached week list (${g.own.toLocaleString('en')} events of its own), ${GROWTH_SAMPLES} requests one at a time:`,
    );
    for (const [label, r] of [
      ['alone in the database', g.alone],
      [`beside ${g.others.toLocaleString('en')} other users' events`, g.withOthers],
    ])
      console.log(
        `  ${label}: ${r ? `${r.occurrences} occurrences, p50 ${r.p50} ms, max ${r.max} ms` : 'failed'}`,
      );
    if (g.seedSeconds !== undefined)
      console.log(`  seeding the other users' events took ${g.seedSeconds} s (bulk inserts)`);
  }
  if (results.caldav) {
    const { month, sync } = results.caldav;
    console.log(
      `\none user's 10,000-event calendar, uncached, ${GROWTH_SAMPLES} requests one at a time (p50 / max):`,
    );
    console.log(
      `  a month (${month.rest.occurrences} occurrences): REST list ${month.rest.p50} / ${month.rest.max} ms, ` +
        `CalDAV calendar-query (${month.caldav.responses} resources, ${month.caldav.bytes} bytes) ${month.caldav.p50} / ${month.caldav.max} ms: ${month.ratio}×`,
    );
    console.log(
      `  ${sync.changes} changes: REST sync (${sync.rest.items} items) ${sync.rest.p50} / ${sync.rest.max} ms, ` +
        `CalDAV sync-collection (${sync.caldav.responses} resources) ${sync.caldav.p50} / ${sync.caldav.max} ms: ${sync.ratio}×`,
    );
  }
  for (const [name, message] of Object.entries(results.failures ?? {}))
    console.log(`\n${name} failed: ${message}`);
  const errored = Object.values(s).filter((r) => r.non2xx > 0);
  if (errored.length)
    console.log(
      `\nnon-2xx answers in: ${errored.map((r) => r.label).join('; ')} — their figures include failures`,
    );
  console.log('\nanchors:');
  for (const [key, anchor] of Object.entries(ANCHORS)) {
    const r = s[key];
    const needed = anchor.for.some((k) => only.has(k));
    console.log(
      `  ${anchor.label}: ${r ? `${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms` : needed ? 'failed' : 'not measured (not in --only)'}`,
    );
  }
  console.log('\ntargets (issues 18 and 19):');
  const mark = (ok) => (ok === null ? 'NOT MEASURED' : ok ? 'MET' : 'NOT MET');
  for (const t of results.targets) console.log(`  ${mark(t.ok).padEnd(12)}  ${t.target}: ${t.detail}`);
  console.log(
    `\n${results.machine.cpus} cores, load ${results.machine.loadavg.join(' ')} at the start; ` +
      (PINNED ? 'server on core 0, wrk on core 1' : 'not pinned (taskset or a second core missing)'),
  );
  mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('written to bench/results.json');
}

function printTable(rows) {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells) => cells.map((c, i) => String(c ?? '').padEnd(width[i])).join('  ');
  console.log(line(cols));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}
