import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CacheService, DenyListStore, IdempotencyStore, RateLimitStore, RedisService } from '@app/cache';
import type { EventWriteResponseDto, OccurrencePageDto } from '@app/calendar';
import { AppConfig } from '@app/config';
import type { HealthReport } from '@app/health';
import type { DeliveryListResponseDto, WebhookCreatedResponseDto } from '@app/webhooks';
import type { Cluster } from 'ioredis';
import { eventually } from '../support/eventually';
import { RedisCluster, startRedisCluster } from '../support/redis-cluster';
import { sharedServices, withDatabase } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser } from '../support/users';

const Y = new Date().getUTCFullYear() + 1;

// The API on a three-node Redis Cluster (REDIS_CLUSTER_NODES): every multi-key command must keep its
// keys in one hash slot, or the cluster answers CROSSSLOT. The stores swallow some Redis errors (a
// cache read falls back to the database, a throttle to per-instance counting), so each check asserts
// what only a working shared Redis gives: a cache hit, a count shared by two replicas, a replay.
describe('on a Redis Cluster', () => {
  let dataDir: string;
  let cluster: RedisCluster;
  let replicas: TestApi[];
  let receiver: Server;
  let received: string[];
  let receiverUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'redis-cluster-e2e-'));
    cluster = await startRedisCluster(dataDir);
    const config = AppConfig.fromEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      MONGODB_URI: withDatabase(sharedServices().mongodbUri, `test_${randomBytes(4).toString('hex')}`),
      REDIS_URL: `redis://${cluster.nodes[0]}`,
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      JWT_SECRET: randomBytes(32).toString('hex'),
      RATE_LIMIT_PER_MINUTE: '0',
      RATE_LIMIT_AUTH_PER_MINUTE: '0',
      RATE_LIMIT_USER_PER_MINUTE: '6',
      WEBHOOK_RETRY_BASE_MS: '100',
      ALLOW_INSECURE_DATASTORES: 'true',
    });
    expect(config.redisClusterNodes).toHaveLength(3);
    replicas = [await startTestApi(config), await startTestApi(config)];
    received = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas ?? []) await r.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const store = <T>(type: new (...args: never[]) => T): T => replicas[0].app.get(type);

  it('connects to the cluster, not to a single node', async () => {
    const { client } = store(RedisService);
    expect(client.isCluster).toBe(true);
    expect((client as Cluster).nodes('master')).toHaveLength(3);
    const health = await replicas[0].request<HealthReport>('/health');
    expect(health.body.dependencies).toEqual({ mongodb: 'connected', redis: 'connected' });
  });

  it("caches a user's reads (one MGET of generation and entry) and a write invalidates them", async () => {
    const cache = store(CacheService);
    let loads = 0;
    const load = async () => ({ n: ++loads });
    expect(await cache.getOrLoad('events', 'cluster-user', 'w', 60_000, load)).toEqual({ n: 1 });
    expect(await cache.getOrLoad('events', 'cluster-user', 'w', 60_000, load)).toEqual({ n: 1 });
    await cache.invalidateUser('cluster-user');
    expect(await cache.getOrLoad('events', 'cluster-user', 'w', 60_000, load)).toEqual({ n: 2 });
    expect(loads).toBe(2);

    // Through the API: the second list is a hit (X-Cache), and after an update the list shows it.
    const user = await registerUser(replicas[0], { timeZone: 'UTC' });
    const url = `/v1/events?from=${Y}-04-04T00:00:00Z&to=${Y}-04-05T00:00:00Z`;
    const created = await replicas[0].request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title: 'Before', start: `${Y}-04-04T10:00` },
    });
    expect(created.status).toBe(201);
    await replicas[0].request(url, { token: user.token });
    const hitsBefore = await cacheHits(replicas[1]);
    const second = await replicas[1].request<OccurrencePageDto>(url, { token: user.token });
    expect(second.body.items.map((e) => e.title)).toEqual(['Before']);
    expect(await cacheHits(replicas[1])).toBe(hitsBefore + 1);
    await replicas[0].request(`/v1/events/${created.body.event.id}`, {
      method: 'PATCH',
      token: user.token,
      json: { title: 'After' },
    });
    const third = await replicas[1].request<OccurrencePageDto>(url, { token: user.token });
    expect(third.body.items.map((e) => e.title)).toEqual(['After']);
  });

  it('shares the per-user throttle between replicas (the rate-limit windows in one slot)', async () => {
    const counts = await store(RateLimitStore).windowCounter('cluster', 60_000).hit('cluster-client');
    expect(counts).toEqual({ current: 1, previous: 0 });
    const user = await registerUser(replicas[0]);
    const me = (i: number) => replicas[i % 2].request('/v1/me', { token: user.token });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await me(i)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    // Counted per instance (what a failing Redis falls back to), each replica would have seen 3.
    expect((await me(0)).status).toBe(429);
    expect((await me(1)).status).toBe(429);
  });

  it('keeps login back-off counters for several subjects and the deny list (MULTI) working', async () => {
    // The login back-off's counters (failures and attempts in flight), one key per subject each.
    const failures = store(RateLimitStore).sharedCounter('login-fail', 60_000);
    const subjects = [`ip:${randomBytes(4).toString('hex')}`, `account:${randomBytes(4).toString('hex')}`];
    expect(await Promise.all(subjects.map((s) => failures.hit(s)))).toEqual([1, 1]);
    expect(await Promise.all(subjects.map((s) => failures.hit(s)))).toEqual([2, 2]);
    await failures.release(subjects[0]);
    expect(await Promise.all(subjects.map((s) => failures.count(s)))).toEqual([1, 2]);
    await failures.reset(subjects[1]);
    expect(await failures.count(subjects[1])).toBe(0);

    const deny = store(DenyListStore);
    const version = Number(await deny.version());
    const entry = { ip: '203.0.113.77', reason: 'test', addedAt: new Date().toISOString(), source: 'e2e' };
    expect(await deny.add([entry])).toBe(1);
    expect(await deny.list()).toEqual([entry]);
    expect(Number(await deny.version())).toBe(version + 1);
    expect(await deny.remove([entry.ip])).toBe(1);
    expect(await deny.members()).toEqual([]);
  });

  it('replays a create sent twice with one Idempotency-Key, on either replica', async () => {
    const claim = await store(IdempotencyStore).claim('cluster', 'k1', 'fp');
    expect(claim).toEqual({ kind: 'claimed' });
    const user = await registerUser(replicas[0], { timeZone: 'UTC' });
    const create = (i: number, title: string) =>
      replicas[i].request<EventWriteResponseDto>('/v1/events', {
        method: 'POST',
        token: user.token,
        headers: { 'idempotency-key': 'cluster-key' },
        json: { title, start: `${Y}-04-06T10:00` },
      });
    const a = await create(0, 'Once');
    const b = await create(1, 'Once');
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body.event.id).toBe(a.body.event.id);
    expect((await create(1, 'Different')).status).toBe(422);
  });

  it('delivers webhooks through the BullMQ queue on the cluster', async () => {
    const user = await registerUser(replicas[0], { timeZone: 'UTC' });
    const hook = await replicas[0].request<WebhookCreatedResponseDto>('/v1/webhooks', {
      method: 'POST',
      token: user.token,
      json: { url: receiverUrl, events: ['event.created'] },
    });
    expect(hook.status).toBe(201);
    const created = await replicas[0].request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title: 'Queued', start: `${Y}-05-01T10:00` },
    });
    expect(created.status).toBe(201);
    const delivered = await eventually(
      async () => received.some((b) => JSON.parse(b).data?.event?.id === created.body.event.id),
      20_000,
    );
    expect(delivered).toBe(true);
    const succeeded = await eventually(async () => {
      const deliveries = await replicas[0].request<DeliveryListResponseDto>(
        `/v1/webhooks/${hook.body.id}/deliveries`,
        {
          token: user.token,
        },
      );
      return deliveries.body.items.length === 1 && deliveries.body.items[0].status === 'succeeded';
    }, 10_000);
    expect(succeeded).toBe(true);
  });
});

async function cacheHits(api: TestApi): Promise<number> {
  const metrics = (await api.request('/metrics')).text;
  const line = metrics.split('\n').find((l) => /^cache_requests_total\{.*result="hit"/.test(l));
  return Number(line?.split(' ').at(-1) ?? 0);
}
