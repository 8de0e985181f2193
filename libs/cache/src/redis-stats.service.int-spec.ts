import { intRedis } from '../../../test/support/int-redis';
import { RedisStatsService } from './redis-stats.service';

describe('RedisStatsService on Redis', () => {
  let r: Awaited<ReturnType<typeof intRedis>>;
  let stats: RedisStatsService;
  beforeAll(async () => {
    r = await intRedis();
    stats = new RedisStatsService(r.redis);
  });
  afterAll(() => r?.close());

  it("counts this database's keys by prefix with SCAN and reads the server's figures", async () => {
    await r.client.mset('cache:a', '1', 'cache:b', '1', 'cache:c', '1', 'security:x', '1', 'plain', '1');
    await r.client.get('cache:a');
    await r.client.get('missing');
    const s = await stats.stats({ count: 2 });
    expect(s.keys).toBe(5);
    expect(s.prefixes).toEqual([
      { prefix: 'cache', keys: 3 },
      { prefix: 'plain', keys: 1 },
      { prefix: 'security', keys: 1 },
    ]);
    expect(s).toMatchObject({
      scannedKeys: 5,
      scanTruncated: false,
      version: expect.stringMatching(/^\d+\./),
    });
    expect(s.keyspaceHits).toBeGreaterThanOrEqual(1);
    expect(s.keyspaceMisses).toBeGreaterThanOrEqual(1);
    expect(s.hitRate).toBeGreaterThan(0);
    expect(s.hitRate).toBeLessThan(1);
  });

  it('stops scanning at the bound and says so', async () => {
    const bounded = await stats.keyPrefixes({ count: 1, maxKeys: 2 });
    expect(bounded.scanTruncated).toBe(true);
    expect(bounded.scannedKeys).toBeLessThan(5);
  });
});
