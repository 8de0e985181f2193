import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventResponseDto } from '@app/calendar';
import type { HealthReport } from '@app/health';
import type { HealthController } from '../../apps/api/src/health/health.controller';
import { embedded, ManagedService } from '../support/embedded';
import { eventually } from '../support/eventually';
import { crash } from '../support/faults';
import { describeRecords, LoadRecord, steadyLoad } from '../support/steady-load';
import { sharedServices, testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

/** GET /health/ready's body (the controller declares no DTO for it). */
type ReadinessBody = Awaited<ReturnType<HealthController['ready']>>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bound: a request that needs the dead database fails within 2 s, it never hangs. */
const FAIL_FAST_MS = 2000;

// This file crashes its database, so it runs its own FerretDB (Redis is the shared one).
describe('FerretDB crashing under load', () => {
  let dataDir: string;
  let ferret: ManagedService;
  let api: TestApi;
  let users: TestUser[];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'resilience-mongodb-'));
    ferret = await embedded.createFerretdb({ dataDir });
    await ferret.start();
    const config = await testConfig(
      { RATE_LIMIT_PER_MINUTE: '0' },
      { mongodbUri: ferret.uri, redisUrl: sharedServices().redisUrl },
    );
    api = await startTestApi(config);
    users = [];
    for (let i = 0; i < 3; i++) users.push(await registerUser(api, { timeZone: 'UTC' }));
  });

  afterAll(async () => {
    await api?.close();
    await ferret?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails fast with 503 while it is down, recovers on its own, and loses no acknowledged write', async () => {
    const load = steadyLoad(api.baseUrl, users, { workers: 4 });
    let records: LoadRecord[] = [];
    try {
      await sleep(1500);
      const downAt = Date.now();
      await crash(ferret);

      // Down: readiness fails (Kubernetes stops sending traffic), liveness stays up (no restart).
      const notReady = await eventually(
        async () => (await api.request('/health/ready')).status === 503,
        5000,
      );
      expect(notReady).toBe(true);
      const ready = await api.request<ReadinessBody>('/health/ready');
      expect(ready.body).toMatchObject({ status: 'not_ready', mongodb: 'disconnected' });
      expect((await api.request('/health/live')).status).toBe(200);
      const health = await api.request<HealthReport>('/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'unhealthy', dependencies: { mongodb: 'disconnected' } });
      await sleep(3000);

      const upAt = Date.now();
      await ferret.start();
      const back = await eventually(async () => (await api.request('/health/ready')).status === 200, 15_000);
      expect(back).toBe(true);
      const readyAt = Date.now();
      await sleep(2000);
      records = await load.stop();

      const failed = records.filter((r) => r.status !== 200 && r.status !== 201);
      const duringOutage = records.filter((r) => r.startedAt >= downAt && r.endedAt <= upAt);
      // The load really ran into the outage.
      expect(duringOutage.length).toBeGreaterThanOrEqual(10);
      expect(duringOutage.filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(5);
      // Every failure is a clear 503 with Retry-After, answered within the bound: no hang, no reset.
      for (const r of failed) {
        expect({ status: r.status, failure: r.failure }).toEqual({ status: 503, failure: undefined });
        expect(r.body).toEqual({
          error: {
            code: 'database_unavailable',
            message: 'The database is unavailable; retry shortly.',
            requestId: expect.any(String),
          },
        });
        expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(r.endedAt - r.startedAt).toBeLessThan(FAIL_FAST_MS);
      }
      // Back without a restart: everything asked a moment after readiness returned succeeds.
      const afterRecovery = records.filter((r) => r.startedAt >= readyAt + 500);
      expect(afterRecovery.length).toBeGreaterThanOrEqual(10);
      expect(describeRecords(afterRecovery.filter((r) => r.status >= 300))).toBe('');
    } finally {
      await load.stop();
    }

    // No acknowledged write is lost: every event whose create answered 201 is there, unchanged.
    const acknowledged = records.filter((r) => r.kind === 'write' && r.status === 201);
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);
    const missing: string[] = [];
    for (const r of acknowledged) {
      const res = await api.request<EventResponseDto>(`/v1/events/${r.eventId}`, { token: r.user!.token });
      if (res.status !== 200 || res.body.title !== r.title) missing.push(`${r.title}: ${res.status}`);
    }
    expect(missing).toEqual([]);
  });

  it('answers with the API error shape, not a stack trace, when a request needs the dead database', async () => {
    await crash(ferret);
    try {
      // A window nothing has read before: a page already in the Redis cache would still be served.
      const res = await api.request<ApiErrorBody>(
        '/v1/events?from=2030-02-03T00:00:00Z&to=2030-02-04T00:00:00Z',
        {
          token: users[0].token,
        },
      );
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.body.error.code).toBe('database_unavailable');
      expect(res.text).not.toMatch(/Mongo|ECONNREFUSED|127\.0\.0\.1|at \w+ \(/);
      // A login needs the database too: 503, not a misleading 401.
      const login = await api.request<ApiErrorBody>('/v1/auth/login', {
        method: 'POST',
        json: { email: users[0].email, password: 'correct horse battery' },
      });
      expect(login.status).toBe(503);
      expect(login.body.error.code).toBe('database_unavailable');
    } finally {
      await ferret.start();
    }
    expect(await eventually(async () => (await api.request('/health/ready')).status === 200, 15_000)).toBe(
      true,
    );
  });
});
