import { intRedis } from '../../../test/support/int-redis';
import { IDEMPOTENCY_TTL_SECONDS, IdempotencyStore } from './idempotency.store';

describe('IdempotencyStore on Redis', () => {
  let r: Awaited<ReturnType<typeof intRedis>>;
  let store: IdempotencyStore;
  beforeAll(async () => {
    r = await intRedis();
    store = new IdempotencyStore(r.redis);
  });
  afterAll(() => r?.close());

  const keyTtl = async () => {
    const [key] = await r.client.keys('idem:*');
    return r.client.pttl(key);
  };

  it('claims once, reports in progress, replays when done, refuses another body, with TTLs set', async () => {
    const fp = IdempotencyStore.fingerprint({ a: 1 });
    expect(await store.claim('events:u1', 'k', fp)).toEqual({ kind: 'claimed' });
    const pendingTtl = await keyTtl();
    expect(pendingTtl).toBeGreaterThan(0);
    expect(pendingTtl).toBeLessThanOrEqual(60_000);
    expect(await store.claim('events:u1', 'k', fp)).toEqual({ kind: 'in_progress' });
    await store.complete('events:u1', 'k', fp, { id: 'e1' });
    expect(await keyTtl()).toBeGreaterThan(60_000);
    expect(await keyTtl()).toBeLessThanOrEqual(IDEMPOTENCY_TTL_SECONDS * 1000);
    expect(await store.claim('events:u1', 'k', fp)).toEqual({ kind: 'replay', response: { id: 'e1' } });
    expect(await store.claim('events:u1', 'k', IdempotencyStore.fingerprint({ a: 2 }))).toEqual({
      kind: 'mismatch',
    });
    // The same key in another scope (another user) is another claim.
    expect(await store.claim('events:u2', 'k', fp)).toEqual({ kind: 'claimed' });
  });

  it('of concurrent first requests with one key, exactly one claims it; a release lets a retry run', async () => {
    const fp = IdempotencyStore.fingerprint({ b: 1 });
    const claims = await Promise.all([1, 2, 3].map(() => store.claim('events:u3', 'k2', fp)));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'in_progress')).toHaveLength(2);
    await store.release('events:u3', 'k2');
    expect(await store.claim('events:u3', 'k2', fp)).toEqual({ kind: 'claimed' });
  });
});
