import { eventually } from '../support/eventually';
import { describeRecords, LoadRecord, steadyLoad } from '../support/steady-load';
import { TcpProxy } from '../support/tcp-proxy';
import { sharedServices, testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describeCounts = (keys: string[]) =>
  Object.entries(keys.reduce<Record<string, number>>((c, k) => ({ ...c, [k]: (c[k] ?? 0) + 1 }), {}))
    .map(([k, n]) => `${n}× ${k}`)
    .join(', ');

/** Bounds on answers while a dependency crawls: generous for a loaded 2-core machine, far from a hang. */
const BOUND = {
  /** Redis slow: every call to it is cut at 500 ms (100 ms for the rate limiter); the request goes on. */
  redisSlowRequestMs: 4000,
  /** MongoDB slow: one round trip is cut at 5 s (REQUEST_SOCKET_TIMEOUT_MS), then 503. */
  mongoSlowRequestMs: 9000,
  /**
   * MongoDB crawling, a burst of reads: each waits at most 2 s for a pooled connection
   * (waitQueueTimeoutMS) per query, and a query takes about a second.
   */
  crawlingBurstMs: 10_000,
  /** The health endpoints bound each check at HEALTH_TIMEOUT_MS (800 ms). */
  healthMs: 2500,
  /** Liveness never waits for a dependency (the load runs in this same process, hence the slack). */
  liveMs: 2000,
};

/**
 * Both dependencies are reached through TCP proxies that can hold every packet back, so this API
 * sees a slow Redis or a slow MongoDB while the shared servers themselves stay untouched.
 */
describe('a slow dependency', () => {
  let mongoProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let api: TestApi;
  let users: TestUser[];

  beforeAll(async () => {
    const shared = sharedServices();
    mongoProxy = await TcpProxy.start(Number(new URL(shared.mongodbUri).port));
    redisProxy = await TcpProxy.start(Number(new URL(shared.redisUrl).port));
    const config = await testConfig(
      { RATE_LIMIT_PER_MINUTE: '1000000' },
      {
        mongodbUri: `mongodb://127.0.0.1:${mongoProxy.port}/calendar`,
        redisUrl: `redis://127.0.0.1:${redisProxy.port}`,
      },
    );
    api = await startTestApi(config);
    users = [];
    for (let i = 0; i < 3; i++) users.push(await registerUser(api, { timeZone: 'UTC' }));
  });

  afterAll(async () => {
    await api?.close();
    await mongoProxy?.close();
    await redisProxy?.close();
  });

  /** Times one request; `ms` is how long its answer took. */
  const timed = async (path: string) => {
    const started = Date.now();
    const res = await api.request(path);
    return { ...res, ms: Date.now() - started };
  };

  /** Probes liveness and readiness every 300 ms until `stop` resolves. */
  const probe = async (until: Promise<unknown>) => {
    let done = false;
    void until.then(() => (done = true));
    const live: number[] = [];
    const ready: { status: number; ms: number }[] = [];
    while (!done) {
      live.push((await timed('/health/live')).ms);
      const r = await timed('/health/ready');
      ready.push({ status: r.status, ms: r.ms });
      await sleep(300);
    }
    return { live, ready };
  };

  it('with Redis slow, every request still succeeds within a bound: its calls are cut short', async () => {
    const load = steadyLoad(api.baseUrl, users, { workers: 4, from: '2026-12-01T00:00:00Z' });
    let records: LoadRecord[] = [];
    try {
      await sleep(800);
      const slowAt = Date.now();
      redisProxy.delayMs = 1500;
      const window = sleep(4000);
      const probes = await probe(window);
      const report = await api.request('/health');
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({ status: 'degraded', dependencies: { redis: 'disconnected' } });
      redisProxy.delayMs = 0;
      const fastAt = Date.now();
      expect(
        await eventually(async () => (await api.request('/health')).body.status === 'healthy', 15_000),
      ).toBe(true);
      await sleep(800);
      records = await load.stop();

      expect(describeRecords(records.filter((r) => r.status !== 200 && r.status !== 201))).toBe('');
      const whileSlow = records.filter((r) => r.startedAt >= slowAt + 500 && r.endedAt <= fastAt);
      expect(whileSlow.filter((r) => r.kind === 'read').length).toBeGreaterThanOrEqual(4);
      expect(whileSlow.filter((r) => r.kind === 'write').length).toBeGreaterThanOrEqual(4);
      expect(Math.max(...records.map((r) => r.endedAt - r.startedAt))).toBeLessThan(BOUND.redisSlowRequestMs);
      expect(Math.max(...probes.live)).toBeLessThan(BOUND.liveMs);
      // Readiness does not depend on Redis.
      expect(probes.ready.every((r) => r.status === 200 && r.ms < BOUND.healthMs)).toBe(true);
    } finally {
      redisProxy.delayMs = 0;
      await load.stop();
    }
  });

  it('with MongoDB crawling, a burst is served or shed within a bound: the pool wait is capped', async () => {
    // Half a second each way: heartbeats still pass, so the driver keeps the server and every
    // query holds a pooled connection for over a second. A burst far larger than the pool follows.
    mongoProxy.delayMs = 500;
    try {
      const url = '/v1/events?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z';
      const burst = Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          (async () => {
            const started = Date.now();
            const res = await fetch(api.baseUrl + url, {
              headers: { authorization: `Bearer ${users[i % users.length].token}` },
              signal: AbortSignal.timeout(30_000),
            }).catch((err: Error) => err);
            if (res instanceof Error) return { status: 0, code: res.message, ms: Date.now() - started };
            const body = (await res.json()) as { error?: { code: string } };
            return { status: res.status, code: body.error?.code, ms: Date.now() - started };
          })(),
        ),
      );
      const probes = await probe(burst);
      const answers = await burst;
      const counts = describeCounts(answers.map((a) => `${a.status} ${a.code ?? ''}`));
      // Served what the pool could, shed the rest with a clear 503, and never made anyone wait long.
      expect(
        answers.every((a) => a.status === 200 || (a.status === 503 && a.code === 'database_unavailable')),
      ).toBe(true);
      expect({ counts, served: answers.some((a) => a.status === 200) }).toEqual({ counts, served: true });
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(BOUND.crawlingBurstMs);
      expect(Math.max(...probes.live)).toBeLessThan(BOUND.liveMs);
    } finally {
      mongoProxy.delayMs = 0;
    }
    expect(await eventually(async () => (await api.request('/health/ready')).status === 200, 15_000)).toBe(
      true,
    );
  });

  it('with MongoDB stalled, requests answer 503 within a bound instead of piling up, and recover', async () => {
    const load = steadyLoad(api.baseUrl, users, {
      workers: 6,
      from: '2026-12-10T00:00:00Z',
      timeoutMs: 20_000,
    });
    let records: LoadRecord[] = [];
    try {
      await sleep(800);
      const slowAt = Date.now();
      // Each MongoDB round trip now takes over 6 s: longer than any bound on the request path.
      mongoProxy.delayMs = 3000;
      const probes = await probe(sleep(9000));
      mongoProxy.delayMs = 0;
      const fastAt = Date.now();
      const back = await eventually(async () => (await api.request('/health/ready')).status === 200, 20_000);
      expect(back).toBe(true);
      const readyAt = Date.now();
      await sleep(1500);
      records = await load.stop();

      // No request hung: each answered within the bound, a failure always a clear 503.
      expect(describeRecords(records.filter((r) => r.status === 0))).toBe('');
      expect(Math.max(...records.map((r) => r.endedAt - r.startedAt))).toBeLessThan(BOUND.mongoSlowRequestMs);
      const failed = records.filter((r) => r.status !== 200 && r.status !== 201);
      for (const r of failed) {
        expect(r.status).toBe(503);
        expect(r.body.error.code).toBe('database_unavailable');
        expect(r.retryAfter).toMatch(/^\d+$/);
      }
      const whileSlow = records.filter((r) => r.startedAt >= slowAt && r.startedAt < fastAt);
      expect(whileSlow.filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(4);
      // The server itself stayed responsive: liveness fast throughout, readiness failed within its bound.
      expect(Math.max(...probes.live)).toBeLessThan(BOUND.liveMs);
      expect(Math.max(...probes.ready.map((r) => r.ms))).toBeLessThan(BOUND.healthMs);
      expect(probes.ready.some((r) => r.status === 503)).toBe(true);
      // Back to normal without a restart.
      const after = records.filter((r) => r.startedAt >= readyAt + 300);
      expect(after.length).toBeGreaterThanOrEqual(4);
      expect(describeRecords(after.filter((r) => r.status !== 200 && r.status !== 201))).toBe('');
    } finally {
      mongoProxy.delayMs = 0;
      await load.stop();
    }
  });
});
