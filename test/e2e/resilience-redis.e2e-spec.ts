import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded, ManagedService } from '../support/embedded';
import { eventually } from '../support/eventually';
import { crash } from '../support/faults';
import { describeRecords, LoadRecord, steadyLoad } from '../support/steady-load';
import { sharedServices, testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' };

// This file crashes its Redis, so it runs its own (FerretDB is the shared one).
describe('Redis crashing under load', () => {
  let dataDir: string;
  let redis: ManagedService;
  let api: TestApi;
  let users: TestUser[];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'resilience-redis-'));
    redis = await embedded.createRedis({ dataDir });
    await redis.start();
    // A limit the load stays under: every request still goes through the Redis-backed limiter.
    const config = await testConfig(
      { RATE_LIMIT_PER_MINUTE: '1000000' },
      { mongodbUri: sharedServices().mongodbUri, redisUrl: redis.uri },
    );
    api = await startTestApi(config);
    users = [];
    for (let i = 0; i < 3; i++) users.push(await registerUser(api, { timeZone: 'UTC' }));
  });

  afterAll(async () => {
    await api?.close();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const health = async () => (await api.request('/health')).body as { status: string; dependencies: object };
  const cacheHits = async () =>
    [
      ...(await api.request('/metrics')).text.matchAll(
        /^cache_requests_total\{[^}]*result="hit"[^}]*\} (\d+)/gm,
      ),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);

  it('serves every read and write while Redis is down, and uses it again once it is back', async () => {
    const load = steadyLoad(api.baseUrl, users, { workers: 4, from: DAY.from });
    let records: LoadRecord[] = [];
    try {
      await sleep(1500);
      const downAt = Date.now();
      await crash(redis);

      // /health says degraded, naming Redis, and stays 200: the API serves without its cache.
      const degraded = await eventually(async () => (await health()).status === 'degraded', 5000);
      expect(degraded).toBe(true);
      const report = await api.request('/health');
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({
        status: 'degraded',
        dependencies: { mongodb: 'connected', redis: 'disconnected' },
      });
      await sleep(2500);

      const upAt = Date.now();
      await redis.start();
      // Back on its own: the same API process, no restart.
      const healthy = await eventually(async () => (await health()).status === 'healthy', 15_000);
      expect(healthy).toBe(true);
      await sleep(1500);
      records = await load.stop();

      // Zero failed requests, before, during and after the outage.
      expect(describeRecords(records.filter((r) => r.status !== 200 && r.status !== 201))).toBe('');
      const duringOutage = records.filter((r) => r.startedAt >= downAt && r.endedAt <= upAt);
      expect(duringOutage.filter((r) => r.kind === 'read').length).toBeGreaterThanOrEqual(5);
      expect(duringOutage.filter((r) => r.kind === 'write').length).toBeGreaterThanOrEqual(5);
    } finally {
      await load.stop();
    }

    // Every user's day reads exactly what was acknowledged: nothing lost, nothing stale from the cache.
    for (const user of users) {
      const expected = records
        .filter((r) => r.status === 201 && r.user === user && r.start! < DAY.to.slice(0, 16))
        .map((r) => r.title)
        .sort();
      const listed = await api.request(`/v1/events?from=${DAY.from}&to=${DAY.to}&limit=500`, {
        token: user.token,
      });
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((o: { title: string }) => o.title).sort()).toEqual(expected);
    }

    // The cache is in use again: a repeated read is answered from Redis.
    const before = await cacheHits();
    const url = `/v1/events?from=${DAY.from}&to=${DAY.to}`;
    await api.request(url, { token: users[0].token });
    const again = await api.request(url, { token: users[0].token });
    expect(again.status).toBe(200);
    expect(await cacheHits()).toBeGreaterThan(before);
  });
});
