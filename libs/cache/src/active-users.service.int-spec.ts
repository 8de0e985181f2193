import { Gauge } from 'prom-client';
import { intRedis } from '../../../test/support/int-redis';
import { ActiveUsersService } from './active-users.service';

describe('ActiveUsersService on Redis', () => {
  let r: Awaited<ReturnType<typeof intRedis>>;
  let service: ActiveUsersService;
  beforeAll(async () => {
    r = await intRedis();
    service = new ActiveUsersService(
      r.redis,
      new Gauge({ name: 'active_users', help: 'test', registers: [] }),
    );
  });
  afterAll(() => r?.close());

  it('counts distinct users seen in the last five minutes and drops older ones from the set', async () => {
    const now = 1_800_000_000_000;
    service.touch('old', now - 6 * 60_000);
    service.touch('u1', now - 60_000);
    service.touch('u2', now);
    service.touch('u2', now); // the same user again: still one
    await r.client.ping(); // the touches are fire-and-forget writes sent before this
    expect(await service.count(now)).toBe(2);
    expect((await r.client.zrange('active_users', 0, -1)).sort()).toEqual(['u1', 'u2']);
  });
});
