import { intRedis } from '../../../test/support/int-redis';
import { RateLimitStore, rateLimitKey } from './rate-limit.store';

describe('RateLimitStore on Redis', () => {
  let r: Awaited<ReturnType<typeof intRedis>>;
  let store: RateLimitStore;
  beforeAll(async () => {
    r = await intRedis();
    store = new RateLimitStore(r.redis);
  });
  afterAll(() => r?.close());

  it('counts concurrent hits per client and window, keeps the key two windows, and reads the previous window', async () => {
    const windowMs = 60_000;
    const now = 1_800_000_000_000;
    const hits = await Promise.all(Array.from({ length: 5 }, () => store.hit('ip:a', windowMs, now)));
    expect(hits.map((h) => h.current).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await store.hit('ip:b', windowMs, now)).current).toBe(1);
    const ttl = await r.client.pttl(rateLimitKey('ip:a', Math.floor(now / windowMs)));
    expect(ttl).toBeGreaterThan(windowMs);
    expect(ttl).toBeLessThanOrEqual(2 * windowMs);
    expect(await store.hit('ip:a', windowMs, now + windowMs)).toEqual({ current: 1, previous: 5 });
  });
});
