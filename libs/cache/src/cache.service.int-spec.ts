import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { Counter } from 'prom-client';
import { embedded } from '../../../test/support/embedded';
import { sharedServices, testConfig } from '../../../test/support/test-env';
import { CacheService } from './cache.service';
import { RedisService } from './redis.service';

/** A CacheService on a real Redis connection, with a real (unregistered) counter to read back. */
async function makeCache(opts: { cacheReads?: boolean; redisUrl?: string } = {}) {
  const config = await testConfig(
    { CACHE_READS: String(opts.cacheReads ?? true) },
    { ...sharedServices(), ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}) },
  );
  const redis = new RedisService(config);
  if (!redis.isReady) await new Promise((resolve) => redis.client.once('ready', resolve));
  const requests = new Counter({
    name: 'cache_requests_total',
    help: 'test',
    labelNames: ['cache', 'result'],
    registers: [],
  });
  const counts = async () => {
    const out: Record<string, number> = {};
    for (const v of (await requests.get()).values) out[String(v.labels.result)] = v.value;
    return out;
  };
  // A single redis-server (the cluster has its own e2e spec), so the client is a plain Redis.
  return { cache: new CacheService(redis, requests, config), redis, client: redis.client as Redis, counts };
}

describe('CacheService on Redis', () => {
  const opened: RedisService[] = [];
  const open = async (opts?: Parameters<typeof makeCache>[0]) => {
    const made = await makeCache(opts);
    opened.push(made.redis);
    return made;
  };
  afterAll(async () => {
    await Promise.all(opened.map((r) => r.onApplicationShutdown()));
  });

  it('serves the second read from the cache and reloads after the user is invalidated', async () => {
    const { cache, counts } = await open();
    let loads = 0;
    const load = async () => ({ n: ++loads });
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toEqual({ n: 1 });
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toEqual({ n: 1 });
    expect(await counts()).toMatchObject({ miss: 1, hit: 1 });
    await cache.invalidateUser('u1');
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toEqual({ n: 2 });
    // Another user's entries are untouched by u1's invalidation.
    expect(await cache.getOrLoad('events', 'u2', 'w', 60_000, load)).toEqual({ n: 3 });
  });

  it('stores entries with the given TTL and the generation they were read in', async () => {
    const { cache, client } = await open();
    await cache.invalidateUser('u1');
    await cache.invalidateUser('u1'); // generation 2
    await cache.getOrLoad('events', 'u1', 'w', 45_000, async () => ({ a: 1 }));
    expect(await client.get('cache:events:{u1}:w')).toBe('2\n{"a":1}');
    const ttl = await client.pttl('cache:events:{u1}:w');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(45_000);
    // The generation counter itself never expires: losing it would resurrect old entries.
    expect(await client.pttl('cachegen:{u1}')).toBe(-1);
  });

  it('bypasses the cache while Redis is down and invalidates deferred writes when it is back', async () => {
    // This test stops its Redis, so it starts one of its own.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cache-int-'));
    const server = await embedded.createRedis({ dataDir });
    await server.start();
    try {
      const { cache, client, counts } = await open({ redisUrl: server.uri });
      let value = 'before';
      const load = async () => value;
      expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe('before');

      // redis-server keeps its data across this restart (SAVE on shutdown), like a persistent Redis.
      await client.config('SET', 'save', '3600 1');
      const closed = new Promise((resolve) => client.once('close', resolve));
      await server.stop();
      await closed;
      value = 'after';
      await cache.invalidateUser('u1'); // fails: Redis is down
      expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe('after');
      expect((await counts()).bypass).toBe(1);

      // Redis comes back with the old entry still stored; the deferred bump runs on 'ready'.
      const ready = new Promise((resolve) => client.once('ready', resolve));
      await server.start();
      await ready;
      await new Promise((r) => setImmediate(r));
      expect(await client.get('cache:events:{u1}:w')).toBe('0\n"before"');
      expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe('after');
      expect(await client.get('cachegen:{u1}')).toBe('1');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads with one round trip: the generation and the entry together', async () => {
    const { cache, client } = await open();
    await cache.getOrLoad('events', 'u1', 'w', 60_000, async () => 'v');
    const calls: string[] = [];
    const monitor = await client.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => calls.push(args[0].toLowerCase()));
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, async () => 'other')).toBe('v');
    await client.ping(); // MONITOR reports in order: once the PING is seen, the read was seen
    await new Promise<void>((resolve) => {
      const seen = () => (calls.includes('ping') ? resolve() : setImmediate(seen));
      seen();
    });
    monitor.disconnect();
    expect(calls).toEqual(['mget', 'ping']);
  });

  it('getOrLoadJson answers the JSON of the value whether loaded, cached or bypassed, and shares entries with getOrLoad', async () => {
    const { cache, redis, counts } = await open();
    const page = {
      items: [{ title: 'Line one\nline two — ünïcødé', start: '2026-06-01T09:00:00.000Z' }],
      next: null,
    };
    const load = jest.fn(async () => page);
    const json = async () => (await cache.getOrLoadJson('events', 'u1', 'w', 60_000, load)).toString('utf8');
    expect(JSON.parse(await json())).toEqual(page); // miss: loaded and stored
    expect(JSON.parse(await json())).toEqual(page); // hit: the stored bytes, as they are
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toEqual(page); // the same entry, parsed
    expect(load).toHaveBeenCalledTimes(1);
    expect(await counts()).toMatchObject({ miss: 1, hit: 2 });
    await redis.onApplicationShutdown(); // the connection is gone: reads bypass the cache
    expect(JSON.parse(await json())).toEqual(page);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('takes an entry of another generation or an older format for a miss, never for the value', async () => {
    const { cache, client } = await open();
    await cache.invalidateUser('u1'); // generation 1
    await client.set('cache:events:{u1}:w', '{"g":"1","v":"stale, old format"}');
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, async () => 'fresh')).toBe('fresh');
    await client.set('cache:events:{u1}:w', '11\n"stored in generation 11"');
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, async () => 'fresh again')).toBe('fresh again');
    expect(await client.get('cache:events:{u1}:w')).toBe('1\n"fresh again"');
  });

  it('with CACHE_READS=false always loads and stores nothing, but writes still bump the generation', async () => {
    const { cache, client, counts } = await open({ cacheReads: false });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe(1);
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe(2);
    expect(await counts()).toEqual({ bypass: 2 });
    expect(await client.keys('cache:*')).toEqual([]);
    await cache.invalidateUser('u1');
    expect(await client.get('cachegen:{u1}')).toBe('1');
  });
});
