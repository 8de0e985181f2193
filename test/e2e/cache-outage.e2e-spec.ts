import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventWriteResponseDto, OccurrencePageDto } from '@app/calendar';
import type { HealthReport } from '@app/health';
import { embedded, ManagedService } from '../support/embedded';
import { sharedServices, testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

// Redis is only a cache: with it stopped, reads and writes still work and /health says degraded.
describe('events with Redis down', () => {
  let dataDir: string;
  let redis: ManagedService;
  let api: TestApi;
  let user: TestUser;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cache-outage-'));
    redis = await embedded.createRedis({ dataDir });
    await redis.start();
    api = await startTestApi(
      await testConfig({}, { mongodbUri: sharedServices().mongodbUri, redisUrl: redis.uri }),
    );
    user = await registerUser(api, { timeZone: 'UTC' });
  });

  afterAll(async () => {
    await api?.close();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, lists and updates without the cache, then uses it again when Redis is back', async () => {
    const url = '/v1/events?from=2026-09-01T00:00:00Z&to=2026-09-02T00:00:00Z';
    await api.request(url, { token: user.token }); // cached while Redis is up
    await redis.stop();

    const health = await api.request<HealthReport>('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded', dependencies: { redis: 'disconnected' } });

    const created = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title: 'Offline cache', start: '2026-09-01T10:00' },
      headers: { 'idempotency-key': 'outage-1' },
    });
    expect(created.status).toBe(201);
    // Without Redis the key is checked against the stored event: still no duplicate.
    const again = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title: 'Offline cache', start: '2026-09-01T10:00' },
      headers: { 'idempotency-key': 'outage-1' },
    });
    expect(again.status).toBe(201);
    expect(again.body.event.id).toBe(created.body.event.id);

    const listed = await api.request<OccurrencePageDto>(url, { token: user.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o) => o.title)).toEqual(['Offline cache']);

    const patched = await api.request(`/v1/events/${created.body.event.id}`, {
      method: 'PATCH',
      token: user.token,
      json: { title: 'Renamed offline' },
    });
    expect(patched.status).toBe(200);

    await redis.start();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await api.request<HealthReport>('/health')).body.status !== 'healthy') {
      await new Promise((r) => setTimeout(r, 200));
    }
    // The list cached before the outage must not come back: the write changed the data.
    const after = await api.request<OccurrencePageDto>(url, { token: user.token });
    expect(after.body.items.map((o) => o.title)).toEqual(['Renamed offline']);
  });
});
