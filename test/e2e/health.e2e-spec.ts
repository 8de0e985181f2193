import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HealthReport } from '@app/health';
import { runOps } from '../support/cli';
import { embedded, ManagedService } from '../support/embedded';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { eventually } from '../support/eventually';

// This file stops and restarts its servers, so it runs its own FerretDB and Redis.
describe('health with real FerretDB and Redis going down and coming back', () => {
  let dataDir: string;
  let ferret: ManagedService;
  let redis: ManagedService;
  let api: TestApi;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'health-e2e-'));
    ferret = await embedded.createFerretdb({ dataDir });
    redis = await embedded.createRedis({ dataDir });
    await Promise.all([ferret.start(), redis.start()]);
    const config = await testConfig({}, { mongodbUri: ferret.uri, redisUrl: redis.uri });
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl };
    api = await startTestApi(config);
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all([ferret?.stop(), redis?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports healthy in the runbook shape with both dependencies up', async () => {
    const res = await api.request<HealthReport>('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'healthy',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      dependencies: { mongodb: 'connected', redis: 'connected' },
    });
    const ops = await runOps(['check', 'dependencies', '--json'], env);
    expect(ops.code).toBe(0);
    expect(JSON.parse(ops.stdout)).toMatchObject({ ok: true });
  });

  it('degrades within 2 s when Redis stops, keeps ready and live, and recovers without a restart', async () => {
    await redis.stop();
    const degraded = await eventually(async () => {
      const res = await api.request<HealthReport>('/health');
      return (
        res.status === 200 && res.body.status === 'degraded' && res.body.dependencies.redis === 'disconnected'
      );
    }, 2000);
    expect(degraded).toBe(true);
    expect((await api.request('/health/ready')).status).toBe(200);
    expect((await api.request('/health/live')).status).toBe(200);

    const ops = await runOps(['check', 'dependencies'], env);
    expect(ops.code).toBe(1);
    expect(ops.stdout).toMatch(/redis\s+disconnected/);
    expect(ops.stdout).toMatch(/mongodb\s+connected \([\d.]+ ms\)/);

    await redis.start();
    const healthy = await eventually(
      async () => (await api.request<HealthReport>('/health')).body.status === 'healthy',
      10_000,
    );
    expect(healthy).toBe(true);
  });

  it('is unhealthy (503) and not ready when FerretDB stops, stays live, and recovers without a restart', async () => {
    await ferret.stop();
    const down = await eventually(async () => {
      const res = await api.request<HealthReport>('/health');
      return (
        res.status === 503 &&
        res.body.status === 'unhealthy' &&
        res.body.dependencies.mongodb === 'disconnected'
      );
    }, 2000);
    expect(down).toBe(true);
    expect((await api.request('/health/ready')).status).toBe(503);
    expect((await api.request('/health/live')).status).toBe(200);

    const ops = await runOps(['check', 'mongodb'], env);
    expect(ops.code).toBe(1);
    expect(ops.stdout).toMatch(/mongodb\s+disconnected/);

    await ferret.start();
    const healthy = await eventually(async () => {
      const res = await api.request<HealthReport>('/health');
      return res.status === 200 && res.body.status === 'healthy';
    }, 15_000);
    expect(healthy).toBe(true);
    expect((await api.request('/health/ready')).status).toBe(200);
  });

  it('exports the metric families with templated route labels', async () => {
    await api.request<HealthReport>('/health');
    await api.request('/no/such/route/12345');
    const res = await api.request('/metrics');
    expect(res.status).toBe(200);
    const text = res.text;
    for (const family of [
      'process_cpu_seconds_total',
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'mongodb_up',
      'redis_up',
      'mongodb_connection_pool_size',
      'mongodb_connection_pool_in_use',
    ]) {
      expect(text).toMatch(new RegExp(`^${family}`, 'm'));
    }
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="1",method="GET",route="\/health",status_code="200"\}/,
    );
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status_code="404"\}/);
    expect(text).not.toContain('/no/such/route');
    expect(text).toMatch(/^mongodb_up 1$/m);
  });
});
