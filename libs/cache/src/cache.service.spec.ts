import { EventEmitter } from 'node:events';
import type { AppConfig } from '@app/config';
import { CacheService } from './cache.service';
import type { RedisService } from './redis.service';

/** An in-memory stand-in for the ioredis client: just the commands the cache uses. */
class FakeRedisClient extends EventEmitter {
  status = 'ready';
  data = new Map<string, string>();
  down = false;
  private check() {
    if (this.down) throw new Error('Connection is closed.');
  }
  async get(k: string) {
    this.check();
    return this.data.get(k) ?? null;
  }
  async mgetBuffer(...keys: string[]) {
    this.check();
    return keys.map((k) => (this.data.has(k) ? Buffer.from(this.data.get(k)!) : null));
  }
  async set(k: string, v: string, ..._expiry: unknown[]) {
    this.check();
    this.data.set(k, v);
    return 'OK';
  }
  async incr(k: string) {
    this.check();
    const n = Number(this.data.get(k) ?? 0) + 1;
    this.data.set(k, String(n));
    return n;
  }
  async del(k: string) {
    this.check();
    return this.data.delete(k) ? 1 : 0;
  }
}

function makeCache(cacheReads = true) {
  const client = new FakeRedisClient();
  const redis = {
    client,
    get isReady() {
      return client.status === 'ready' && !client.down;
    },
  } as unknown as RedisService;
  const counts: Record<string, number> = {};
  const metric = { inc: ({ result }: { result: string }) => (counts[result] = (counts[result] ?? 0) + 1) };
  const config = { cacheReads } as AppConfig;
  return { cache: new CacheService(redis, metric as never, config), client, counts };
}

describe('CacheService', () => {
  it('serves the second read from the cache and reloads after the user is invalidated', async () => {
    const { cache, counts } = makeCache();
    let loads = 0;
    const load = async () => ({ n: ++loads });
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toEqual({ n: 1 });
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toEqual({ n: 1 });
    expect(counts).toMatchObject({ miss: 1, hit: 1 });
    await cache.invalidateUser('u1');
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toEqual({ n: 2 });
    // Another user's entries are untouched by u1's invalidation.
    expect(await cache.getOrLoad('events', 'u2', 'w', 60_000, load)).toEqual({ n: 3 });
  });

  it('bypasses the cache while Redis is down and invalidates deferred writes when it is back', async () => {
    const { cache, client, counts } = makeCache();
    let value = 'before';
    const load = async () => value;
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe('before');

    client.down = true;
    value = 'after';
    await cache.invalidateUser('u1'); // fails: Redis is down
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe('after');
    expect(counts.bypass).toBe(1);

    // Redis comes back with the old entry still stored (a persistent Redis).
    client.down = false;
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe('after');
    client.emit('ready');
    await new Promise((r) => setImmediate(r));
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe('after');
  });

  it('reads with one round trip: the generation and the entry together', async () => {
    const { cache, client } = makeCache();
    const calls: string[] = [];
    for (const name of ['get', 'mgetBuffer'] as const) {
      const original = client[name].bind(client);
      client[name] = (async (...args: string[]) => {
        calls.push(name);
        return (original as (...a: string[]) => Promise<unknown>)(...args);
      }) as never;
    }
    await cache.getOrLoad('events', 'u1', 'w', 60_000, async () => 'v');
    calls.length = 0;
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, async () => 'other')).toBe('v');
    expect(calls).toEqual(['mgetBuffer']);
  });

  it('getOrLoadJson answers the JSON of the value whether loaded, cached or bypassed, and shares entries with getOrLoad', async () => {
    const { cache, client, counts } = makeCache();
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
    expect(counts).toMatchObject({ miss: 1, hit: 2 });
    client.down = true;
    expect(JSON.parse(await json())).toEqual(page);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('takes an entry of another generation or an older format for a miss, never for the value', async () => {
    const { cache, client } = makeCache();
    await cache.invalidateUser('u1'); // generation 1
    client.data.set('cache:events:{u1}:w', '{"g":"1","v":"stale, old format"}');
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, async () => 'fresh')).toBe('fresh');
    client.data.set('cache:events:{u1}:w', '11\n"stored in generation 11"');
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, async () => 'fresh again')).toBe('fresh again');
    expect(client.data.get('cache:events:{u1}:w')).toBe('1\n"fresh again"');
  });

  it('with CACHE_READS=false always loads and stores nothing, but writes still bump the generation', async () => {
    const { cache, client, counts } = makeCache(false);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe(1);
    expect(await cache.getOrLoad('events', 'u1', 'w', 60_000, load)).toBe(2);
    expect(counts).toEqual({ bypass: 2 });
    expect([...client.data.keys()].filter((k) => k.startsWith('cache:'))).toEqual([]);
    await cache.invalidateUser('u1');
    expect(client.data.get('cachegen:{u1}')).toBe('1');
  });
});
