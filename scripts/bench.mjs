// `npm run bench`: the API's hot routes against this machine's own ceiling, measured in one run.
//
// Builds, starts fresh embedded FerretDB + Redis and the API (NODE_ENV=production, warn-level logs,
// rate limits off), seeds one heavy user (10,000 events, 100 recurring series) and 1,000 light
// users, and drives each scenario with wrk on loopback after a warm-up — the server pinned to core 0
// and wrk to core 1 where the machine allows. Beside the API, on the same port and connection
// count: the ceiling (bare Fastify answering the cached week list's body from memory), the driver
// floor (bare Fastify + the native driver running the same window query) and the write floor (bare
// Fastify + the native driver inserting the same event document). Also: the uncached week list for
// users with 1,000, 10,000 and 100,000 events, and the offline interpreter in-process on one core.
//
// Prints a table (req/s, p50, p99, ratios, targets) to stdout, progress to stderr, and writes
// bench/results.json. Options: `--only a,b` (health, cached, uncached, post, assistant, growth,
// interpreter), `--cpu-prof DIR` (profiles of the API processes). Env: BENCH_DURATION (default
// 10s), BENCH_WARMUP (3s), BENCH_CONNECTIONS (32), BENCH_DB_CONNECTIONS (1, scenarios 3 and 4 and
// their floors), BENCH_GROWTH_SAMPLES (5).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { API_ENTRY, NODE24, ROOT, ensureBuilt, ensureInstalled } from './lib/setup.mjs';
import { PINNED, ensureWrk, pinned, runWrk } from './bench/wrk.mjs';

const SCENARIOS = ['health', 'cached', 'uncached', 'post', 'assistant', 'growth', 'interpreter'];
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
 * Connections for the database-bound runs (scenarios 3 and 4 and their floors): FerretDB answers one
 * SQLite query at a time, so more connections only queue behind it (and past the API's 2 s wait for
 * a pooled connection, into 503s).
 */
const DB_CONNECTIONS = Number(process.env.BENCH_DB_CONNECTIONS ?? 1);
/** Sequential requests per history size in the growth measurement (after one warm-up request). */
const GROWTH_SAMPLES = Number(process.env.BENCH_GROWTH_SAMPLES ?? 5);
const seconds = (d) => Number(/^(\d+)/.exec(d)?.[1] ?? 10) * ({ m: 60, h: 3600 }[d.at(-1)] ?? 1);

/** The one-week window of scenarios 2 and 3: every seeded history is centred on it. */
const WINDOW = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-08T00:00:00Z') };
const LIST_PATH = `/v1/events?from=${WINDOW.from.toISOString()}&to=${WINDOW.to.toISOString()}&limit=100`;
const POST_BODY = JSON.stringify({ title: 'Bench', start: '2026-07-01T10:00' });
const ASSISTANT_BODY = JSON.stringify({ text: 'what do I have this week?' });

const TARGETS = {
  cached: 'rps ≥ 60% of the ceiling, p99 ≤ 2× the ceiling p99',
  uncached: 'rps ≥ 80% of the driver floor',
  post: 'rps ≥ 70% of the write floor',
  interpreter: '≥ 10,000 requests/s on one core',
  growth: '100,000-event user within 1.5× of the 1,000-event user (p50)',
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
    const growthCounts = only.has('growth') ? [1_000, 100_000] : [];
    const t0 = Date.now();
    const heavy = await seed.register(base, `heavy-${run}@bench.example.com`, password);
    const growthUsers = {};
    for (const n of growthCounts)
      growthUsers[n] = await seed.register(base, `history-${n}-${run}@bench.example.com`, password);
    growthUsers[heavyCount] = heavy;
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
      measure(
        'driverFloor',
        'driver floor: Fastify + driver, same query',
        base + LIST_PATH,
        [],
        DB_CONNECTIONS,
      );
      await stop();
    }

    if (only.has('growth')) {
      // Seeded last: the other scenarios run on the 10,000-event user alone.
      results.seed.growth = {};
      for (const n of growthCounts) {
        say(`seeding ${n.toLocaleString('en')} events for one user…`);
        const t = performance.now();
        await seed.insertAll(db.events, seed.historyDocuments(growthUsers[n].id, n, WINDOW));
        const secs = (performance.now() - t) / 1000;
        results.seed.growth[n] = Math.round(secs * 10) / 10;
        say(`seeded ${n.toLocaleString('en')} events in ${secs.toFixed(1)} s (bulk inserts of 1,000)`);
      }
      await startApi('growth', { CACHE_READS: 'false' });
      // Latency of one request at a time: the cost of the query itself, not of a queue.
      results.growth = {};
      for (const n of [1_000, heavyCount, 100_000]) {
        const user = growthUsers[n];
        try {
          const items = JSON.parse(await call('GET', LIST_PATH, user.token)).items.length;
          const times = [];
          for (let i = 0; i < GROWTH_SAMPLES; i++) {
            const t = performance.now();
            await call('GET', LIST_PATH, user.token);
            times.push(performance.now() - t);
          }
          times.sort((a, b) => a - b);
          const g = {
            occurrences: items,
            p50: +times[times.length >> 1].toFixed(2),
            max: +times.at(-1).toFixed(2),
          };
          results.growth[n] = g;
          say(
            `no cache, ${n.toLocaleString('en')} events: ${items} occurrences, p50 ${g.p50} ms, max ${g.max} ms`,
          );
        } catch (err) {
          results.growth[n] = { error: err.message.slice(0, 300) };
          say(`no cache, ${n.toLocaleString('en')} events: ${err.message.slice(0, 300)}`);
        }
      }
      await stop();
    }

    if (only.has('cached') || only.has('health') || only.has('assistant')) {
      await start('the ceiling', path.join(ROOT, 'scripts/bench/ceiling.mjs'), { BODY_FILE: bodyFile });
      measure('ceiling', 'ceiling: bare Fastify, same body', base + LIST_PATH);
      await stop();
    }
    if (writeTemplate) {
      await start('the write floor', path.join(ROOT, 'scripts/bench/write-floor.mjs'), {
        MONGODB_URI: services.env.MONGODB_URI,
        DOC_FILE: writeTemplate,
      });
      measure(
        'writeFloor',
        'write floor: Fastify + driver insert',
        `${base}/v1/events`,
        rotating('floor', 'POST', ['-'], POST_BODY),
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
  results.targets.push({ name, target: TARGETS[name] ?? 'a completed request', ok, detail });
}

function report() {
  const s = results.scenarios;
  const ratio = (a, b) => (b ? a / b : null);
  const pct = (r) => (r === null ? '' : `${(r * 100).toFixed(0)}%`);
  if (s.cached && s.ceiling) {
    const r = ratio(s.cached.rps, s.ceiling.rps);
    const p = ratio(s.cached.p99, s.ceiling.p99);
    judge(
      'cached',
      r >= 0.6 && p <= 2,
      `${pct(r)} of the ceiling's req/s, p99 ${p.toFixed(2)}× the ceiling's`,
    );
  }
  for (const [key, r] of Object.entries(s)) {
    if (r.requests === 0) judge(key, false, `no request completed in ${DURATION}: lengthen BENCH_DURATION`);
  }
  if (s.uncached && s.driverFloor) {
    const r = ratio(s.uncached.rps, s.driverFloor.rps);
    judge('uncached', r >= 0.8, `${pct(r)} of the driver floor's req/s`);
  }
  if (s.post && s.writeFloor) {
    const r = ratio(s.post.rps, s.writeFloor.rps);
    judge('post', r >= 0.7, `${pct(r)} of the write floor's req/s`);
  }
  if (results.interpreter) {
    judge('interpreter', results.interpreter.rps >= 10_000, `${results.interpreter.rps.toFixed(0)} req/s`);
  }
  if (results.growth) {
    const [small, large] = [results.growth[1_000], results.growth[100_000]];
    if (small?.p50 && large?.p50) {
      const r = large.p50 / small.p50;
      results.growth.ratio = r;
      judge('growth', r <= 1.5, `p50 ${r.toFixed(2)}× (100,000 vs 1,000 events)`);
    } else {
      judge('growth', false, `not measured: ${large?.error ?? small?.error}`);
    }
  }

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
      'vs floor': '',
      'non-2xx': '',
    });
  }
  printTable(rows);
  if (results.window)
    console.log(`\nweek window: ${results.window.occurrences} occurrences, ${results.window.bytes} bytes`);
  if (results.growth) {
    console.log(
      `\ncost as the history grows (uncached week list, ${GROWTH_SAMPLES} requests one at a time):`,
    );
    for (const n of [1_000, 10_000, 100_000]) {
      const g = results.growth[n];
      if (g.error) {
        console.log(`  ${n.toLocaleString('en').padStart(7)} events: ${g.error}`);
        continue;
      }
      console.log(
        `  ${n.toLocaleString('en').padStart(7)} events: ${g.occurrences} occurrences, p50 ${g.p50} ms, max ${g.max} ms`,
      );
    }
  }
  for (const [name, message] of Object.entries(results.failures ?? {}))
    console.log(`\n${name} failed: ${message}`);
  const errored = Object.values(s).filter((r) => r.non2xx > 0);
  if (errored.length)
    console.log(
      `\nnon-2xx answers in: ${errored.map((r) => r.label).join('; ')} — their figures include failures`,
    );
  console.log('\ntargets:');
  for (const t of results.targets)
    console.log(`  ${t.ok ? 'PASS' : 'FAIL'}  ${t.name}: ${t.detail} (target: ${t.target})`);
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
