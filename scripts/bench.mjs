// `npm run bench`: throughput of the hot routes, measured with wrk on loopback against the built
// API and embedded FerretDB + Redis. Prints requests/second and latency per route. Numbers vary
// with the machine's load: compare routes within one run, not across runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { API_ENTRY, NODE24, ROOT, ensureBuilt, ensureInstalled } from './lib/setup.mjs';

const DURATION = process.env.BENCH_DURATION ?? '8s';
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '32';

ensureInstalled();
ensureBuilt();
const { provideServices, freePort, sleep } = await import('./lib/embedded.cjs');

if (spawnSync('bash', ['-c', 'command -v wrk']).status !== 0) {
  if (process.getuid?.() === 0) spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
  if (spawnSync('bash', ['-c', 'command -v wrk']).status !== 0) {
    process.stderr.write('wrk is missing: install it with `sudo apt-get install wrk`\n');
    process.exit(2);
  }
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'calendar-bench-'));
const services = await provideServices({ dataDir, reuse: false });
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const api = spawn(NODE24, [API_ENTRY], {
  cwd: ROOT,
  env: {
    ...process.env,
    ...services.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    NODE_ENV: 'development',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const cleanup = async () => {
  api.kill('SIGTERM');
  await new Promise((r) => (api.exitCode !== null ? r() : api.once('exit', r)));
  await services.stop();
  rmSync(dataDir, { recursive: true, force: true });
};
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

try {
  for (let i = 0; i < 150; i++) {
    if (
      await fetch(`${base}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(200);
  }
  const post = (p, body, token) =>
    fetch(base + p, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  const reg = await post('/v1/auth/register', {
    email: 'bench@example.com',
    password: 'bench password 1',
    name: 'Bench',
    timeZone: 'Europe/Berlin',
  });
  const token = reg.accessToken;
  let eventId;
  for (let i = 0; i < 40; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const res = await post(
      '/v1/events',
      {
        title: `Event ${i}`,
        start: `2026-06-${day}T${String(8 + (i % 9)).padStart(2, '0')}:00`,
        ...(i % 5 === 0 ? { recurrence: 'FREQ=WEEKLY;COUNT=20' } : {}),
      },
      token,
    );
    eventId ??= res.event?.id;
  }
  const auth = `Authorization: Bearer ${token}`;
  const lua = path.join(dataDir, 'post.lua');
  writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${token}"\nwrk.body = '{"title":"Bench","start":"2026-07-01T10:00"}'\n`,
  );
  const cases = [
    ['GET /health/live', ['-H', 'x: y', `${base}/health/live`]],
    ['GET /v1/events/:id', ['-H', auth, `${base}/v1/events/${eventId}`]],
    [
      'GET /v1/events (window, cached)',
      ['-H', auth, `${base}/v1/events?from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z&limit=50`],
    ],
    ['POST /v1/events', ['-s', lua, `${base}/v1/events`]],
  ];
  const rows = [];
  for (const [name, args] of cases) {
    process.stderr.write(`bench: ${name} for ${DURATION}…\n`);
    const out = spawnSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${DURATION}`, '--latency', ...args], {
      encoding: 'utf8',
    }).stdout;
    const rps = out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? '?';
    const p50 = out.match(/50%\s+(\S+)/)?.[1] ?? '?';
    const p99 = out.match(/99%\s+(\S+)/)?.[1] ?? '?';
    const non2xx = out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? '0';
    rows.push({ route: name, 'req/s': rps, p50, p99, 'non-2xx': non2xx });
  }
  console.table(rows);
} finally {
  await cleanup();
}
