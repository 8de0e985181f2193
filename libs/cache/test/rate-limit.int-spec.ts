import { Logger } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { eventually } from '../../../test/support/eventually';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { sharedServices, withRedisDb } from '../../../test/support/test-env';
import { RATE_LIMIT_REDIS_BOUND_MS, RateLimitStore } from '../src/rate-limit.store';
import { RedisService } from '../src/redis.service';

const W = 60_000;
const redisAt = (redisUrl: string) =>
  new RedisService({ redisUrl, redisClusterNodes: [] } as unknown as AppConfig);
const ready = (redis: RedisService) => eventually(async () => redis.isReady, 5000);

/** The rate-limit counters (rate-limiter-flexible) against the test run's real Redis. */
describe('rate-limit counters on Redis', () => {
  let url: string;
  let replicas: RedisService[];
  const name = () => `int-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    url = await withRedisDb(sharedServices().redisUrl);
    replicas = [redisAt(url), redisAt(url)];
    for (const r of replicas) expect(await ready(r)).toBe(true);
  });
  afterAll(async () => {
    for (const r of replicas ?? []) await r.onApplicationShutdown();
  });
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('shares one count across replicas, per key and window, and carries the last window', async () => {
    const n = name();
    const [a, b] = replicas.map((r) => new RateLimitStore(r).windowCounter(n, W));
    const t = Math.floor(Date.now() / W) * W + 1000;
    expect(await a.hit('198.51.100.1', t)).toEqual({ current: 1, previous: 0 });
    expect(await b.hit('198.51.100.1', t + 5)).toEqual({ current: 2, previous: 0 });
    expect(await a.hit('198.51.100.2', t + 10)).toEqual({ current: 1, previous: 0 });
    expect(await b.hit('198.51.100.1', t + W)).toEqual({ current: 1, previous: 2 });
  });

  it('stores one key per client and window, each expiring after two windows', async () => {
    const n = name();
    const counter = new RateLimitStore(replicas[0]).windowCounter(n, W);
    const now = Date.now();
    await counter.hit('203.0.113.7', now);
    await counter.hit('203.0.113.7', now);
    const key = `ratelimit:${n}:203.0.113.7:${Math.floor(now / W)}`;
    const client = replicas[1].client;
    expect(await client.keys(`ratelimit:${n}:*`)).toEqual([key]);
    expect(await client.get(key)).toBe('2');
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(W);
    expect(ttl).toBeLessThanOrEqual(2 * W);
  });

  it('takes back and resets a shared count', async () => {
    const counter = new RateLimitStore(replicas[0]).sharedCounter(name(), 30_000);
    expect(await counter.hit('acct:x', 3)).toBe(3);
    await counter.release('acct:x');
    expect(await counter.count('acct:x')).toBe(2);
    await counter.reset('acct:x');
    expect(await counter.count('acct:x')).toBe(0);
  });

  it('counts in this instance while Redis is slower than the bound, and in Redis again once it is fast', async () => {
    const proxy = await TcpProxy.start(Number(new URL(url).port));
    const viaProxy = new URL(url);
    viaProxy.port = String(proxy.port);
    const slow = redisAt(viaProxy.toString());
    try {
      expect(await ready(slow)).toBe(true);
      const n = name();
      const counter = new RateLimitStore(slow).windowCounter(n, W);
      const direct = new RateLimitStore(replicas[0]).windowCounter(n, W);
      const t = Date.now();
      expect(await counter.hit('192.0.2.9', t)).toEqual({ current: 1, previous: 0 });
      proxy.delayMs = RATE_LIMIT_REDIS_BOUND_MS * 3;
      // Answered by this instance's memory, which has not seen the client yet.
      expect(await counter.hit('192.0.2.9', t)).toEqual({ current: 1, previous: 0 });
      proxy.delayMs = 0;
      // Redis still holds the shared count; the late write of the slow hit may have landed too.
      expect((await direct.hit('192.0.2.9', t)).current).toBeGreaterThanOrEqual(2);
    } finally {
      await slow.onApplicationShutdown();
      await proxy.close();
    }
  });

  it('counts in this instance without a round trip while Redis is unreachable', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const down = redisAt(`redis://127.0.0.1:${closed}/0`);
    try {
      const counter = new RateLimitStore(down).windowCounter(name(), W);
      const t = Date.now();
      expect(await counter.hit('192.0.2.1', t)).toEqual({ current: 1, previous: 0 });
      expect(await counter.hit('192.0.2.1', t)).toEqual({ current: 2, previous: 0 });
    } finally {
      down.client.disconnect();
    }
  });
});
