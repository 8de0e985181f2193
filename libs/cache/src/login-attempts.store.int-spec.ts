import { intRedis } from '../../../test/support/int-redis';
import { LoginAttemptStore, loginAttemptKey } from './login-attempts.store';

describe('LoginAttemptStore on Redis', () => {
  let r: Awaited<ReturnType<typeof intRedis>>;
  let store: LoginAttemptStore;
  beforeAll(async () => {
    r = await intRedis();
    store = new LoginAttemptStore(r.redis);
  });
  afterAll(() => r?.close());

  it('counts in-flight attempts and failures per subject, with TTLs, and resets one subject', async () => {
    const begun = await Promise.all([1, 2, 3].map(() => store.begin(['acct:a', 'ip:1'], 10_000)));
    expect(begun.map((b) => b[0].inFlight).sort()).toEqual([1, 2, 3]);
    expect(await r.client.pttl('login:inflight:acct:a')).toBeGreaterThan(0);

    const failures = await Promise.all([1, 2].map(() => store.recordFailure(['acct:a'], 1_000, 30_000)));
    expect(failures.map((f) => f[0].count).sort()).toEqual([1, 2]);
    const ttl = await r.client.pttl(loginAttemptKey('acct:a'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await store.end(['acct:a', 'ip:1']);

    const [acct, ip] = await store.begin(['acct:a', 'ip:1'], 10_000);
    expect(acct).toEqual({ failures: { count: 2, lastAt: 1_000 }, inFlight: 3 });
    expect(ip.failures).toEqual({ count: 0, lastAt: 0 });
    await store.reset('acct:a');
    expect((await store.begin(['acct:a'], 10_000))[0].failures.count).toBe(0);
  });
});
