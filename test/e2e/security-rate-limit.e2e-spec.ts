import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HealthReport } from '@app/health';
import type { UserResponse } from '@app/identity';
import { embedded, ManagedService } from '../support/embedded';
import { sharedServices, testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { eventually } from '../support/eventually';
import { registerUser } from '../support/users';

// This file stops its Redis, so it runs its own (FerretDB is the shared one).
describe('rate limit per client address (RATE_LIMIT_PER_MINUTE, in front of routing)', () => {
  let dataDir: string;
  let redis: ManagedService;
  let api: TestApi;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'rate-limit-e2e-'));
    redis = await embedded.createRedis({ dataDir });
    await redis.start();
    // TRUST_PROXY: each test plays a different client through X-Forwarded-For.
    const config = await testConfig(
      { RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: 'true' },
      { mongodbUri: sharedServices().mongodbUri, redisUrl: redis.uri },
    );
    api = await startTestApi(config);
  });

  afterAll(async () => {
    await api?.close();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A request from `ip`; `T` is the body the caller reads (`ApiErrorBody` for a refusal). */
  const from = <T = unknown>(ip: string, p = '/v1/rate-limited-probe') =>
    api.request<T>(p, { headers: { 'x-forwarded-for': ip } });
  const hits = async () =>
    Number(/^rate_limit_hits_total (\d+)/m.exec((await api.request('/metrics')).text)?.[1] ?? NaN);

  it('answers the 6th request in a minute with 429 and Retry-After, and counts it', async () => {
    const before = await hits();
    // Within one fixed window or across a boundary, the sliding window refuses the 6th.
    for (let i = 0; i < 5; i++) expect((await from('198.51.100.1')).status).toBe(404);
    const refused = await from<ApiErrorBody>('198.51.100.1');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(refused.body).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringContaining('retry after'),
        requestId: expect.any(String),
      },
    });
    expect((await from('198.51.100.1')).status).toBe(429);
    expect(await hits()).toBe(before + 2);
    // Another client is not affected; health checks and metrics are exempt.
    expect((await from('198.51.100.2')).status).toBe(404);
    for (let i = 0; i < 8; i++) expect((await from('198.51.100.1', '/health/live')).status).toBe(200);
    expect((await from('198.51.100.1', '/metrics')).status).toBe(200);
  });

  it('keeps limiting per instance while Redis is down, and shares the count again once it is back', async () => {
    await redis.stop();
    const down: number[] = [];
    try {
      for (let i = 0; i < 7; i++) down.push((await from('198.51.100.3')).status);
    } finally {
      await redis.start();
    }
    // Served from this instance's memory: the same limit, never off, never a 5xx.
    expect(down).toEqual([404, 404, 404, 404, 404, 429, 429]);
    const back = await eventually(
      async () => (await api.request<HealthReport>('/health')).body?.dependencies?.redis === 'connected',
      10_000,
    );
    expect(back).toBe(true);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await from('198.51.100.4')).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
  });
});

// Two API instances on one Redis play two replicas: the per-user throttler's count is shared, and
// while Redis is down each instance keeps limiting on its own.
describe('per-user throttler shared by replicas through Redis', () => {
  let dataDir: string;
  let redis: ManagedService;
  let replicas: TestApi[];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'throttle-e2e-'));
    redis = await embedded.createRedis({ dataDir });
    await redis.start();
    const config = await testConfig(
      { RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_USER_PER_MINUTE: '4' },
      { mongodbUri: sharedServices().mongodbUri, redisUrl: redis.uri },
    );
    replicas = [await startTestApi(config), await startTestApi(config)];
  });

  afterAll(async () => {
    for (const r of replicas ?? []) await r.close();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** GET /v1/me; `T` is the body the caller reads (`ApiErrorBody` for a refusal). */
  const me = <T = UserResponse>(replica: TestApi, token: string) => replica.request<T>('/v1/me', { token });

  it('counts a user across replicas: 4 requests spread over two instances, the 5th is refused on either', async () => {
    const user = await registerUser(replicas[0]);
    const statuses = [
      (await me(replicas[0], user.token)).status,
      (await me(replicas[1], user.token)).status,
      (await me(replicas[0], user.token)).status,
      (await me(replicas[1], user.token)).status,
    ];
    expect(statuses).toEqual([200, 200, 200, 200]);
    const refused = await me<ApiErrorBody>(replicas[1], user.token);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await me(replicas[0], user.token)).status).toBe(429);
  });

  it('limits per instance while Redis is down (never off, never a 5xx), and shares the count again after', async () => {
    const user = await registerUser(replicas[0]);
    await redis.stop();
    const down: number[][] = [[], []];
    try {
      for (let i = 0; i < 5; i++) down[0].push((await me(replicas[0], user.token)).status);
      for (let i = 0; i < 5; i++) down[1].push((await me(replicas[1], user.token)).status);
    } finally {
      await redis.start();
    }
    expect(down).toEqual([
      [200, 200, 200, 200, 429],
      [200, 200, 200, 200, 429],
    ]);
    for (const replica of replicas) {
      const back = await eventually(
        async () =>
          (await replica.request<HealthReport>('/health')).body?.dependencies?.redis === 'connected',
        10_000,
      );
      expect(back).toBe(true);
    }
    const fresh = await registerUser(replicas[1]);
    const shared = [
      (await me(replicas[0], fresh.token)).status,
      (await me(replicas[1], fresh.token)).status,
      (await me(replicas[0], fresh.token)).status,
      (await me(replicas[1], fresh.token)).status,
      (await me(replicas[0], fresh.token)).status,
    ];
    expect(shared).toEqual([200, 200, 200, 200, 429]);
  });
});
