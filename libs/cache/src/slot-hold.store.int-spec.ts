import { intRedis } from '../../../test/support/int-redis';
import { SlotHoldStore } from './slot-hold.store';

describe('SlotHoldStore on Redis', () => {
  let r: Awaited<ReturnType<typeof intRedis>>;
  let store: SlotHoldStore;
  beforeAll(async () => {
    r = await intRedis();
    store = new SlotHoldStore(r.redis);
  });
  afterAll(() => r?.close());

  const at = (iso: string) => new Date(`2026-07-01T${iso}:00Z`);

  it('holds a slot under its own key with the TTL, and indexes it per owner', async () => {
    const claim = await store.claim('alice', at('09:00'), at('10:00'), 60_000);
    expect(claim.kind).toBe('held');
    if (claim.kind !== 'held') return;
    const ttl = await store.ttlMs('alice', claim.hold.id);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await r.client.pttl('holds:{alice}')).toBeGreaterThan(0);
    expect((await store.list('alice')).map((h) => h.id)).toEqual([claim.hold.id]);
    // Another owner sees none of it and can hold the same time.
    expect(await store.list('bob')).toEqual([]);
    expect((await store.claim('bob', at('09:00'), at('10:00'), 60_000)).kind).toBe('held');
    expect(await store.release('bob', claim.hold.id)).toBe(false);
    expect(await store.release('alice', claim.hold.id)).toBe(true);
    expect(await store.ttlMs('alice', claim.hold.id)).toBe(-2);
  });

  it('of two concurrent claims on overlapping time, exactly one holds', async () => {
    const claims = await Promise.all([
      store.claim('carol', at('14:00'), at('15:00'), 60_000),
      store.claim('carol', at('14:30'), at('15:30'), 60_000),
    ]);
    expect(claims.map((c) => c.kind).sort()).toEqual(['held', 'overlaps']);
    const [held, refused] = ['held', 'overlaps'].map((kind) => claims.find((c) => c.kind === kind));
    expect(held && 'hold' in held && refused && 'hold' in refused && refused.hold.id === held.hold.id).toBe(
      true,
    );
    // Adjacent time does not overlap.
    expect((await store.claim('carol', at('15:30'), at('16:00'), 60_000)).kind).toBe('held');
  });

  it('an expired hold no longer blocks the slot nor lists', async () => {
    const now = Date.now();
    const first = await store.claim('dave', at('08:00'), at('09:00'), 1_000, now);
    expect(first.kind).toBe('held');
    // Ask as of a time after its expiry: the index entry is dropped and the slot is free again.
    expect(await store.list('dave', now + 2_000)).toEqual([]);
    expect((await store.claim('dave', at('08:00'), at('09:00'), 60_000, now + 2_000)).kind).toBe('held');
  });

  it("copies a hold into its attendees' indexes; only its maker releases it, and the copies go with it", async () => {
    const claim = await store.claim('erin', at('11:00'), at('12:00'), 60_000, Date.now(), [
      { id: 'frank', email: 'frank@example.com' },
    ]);
    expect(claim.kind).toBe('held');
    if (claim.kind !== 'held') return;
    const [copy] = await store.list('frank');
    expect(copy).toMatchObject({ id: claim.hold.id, ownerId: 'erin', start: at('11:00'), end: at('12:00') });
    expect(copy.attendees).toEqual([{ id: 'frank', email: 'frank@example.com' }]);
    expect(await store.ttlMs('frank', claim.hold.id)).toBeGreaterThan(0);
    // The attendee's own overlapping hold is refused: that time is held for them.
    expect((await store.claim('frank', at('11:30'), at('12:30'), 60_000)).kind).toBe('overlaps');
    expect(await store.release('frank', claim.hold.id)).toBe(false);
    expect(await store.list('frank')).toHaveLength(1);
    expect(await store.release('erin', claim.hold.id)).toBe(true);
    expect(await store.list('frank')).toEqual([]);
    expect(await store.ttlMs('frank', claim.hold.id)).toBe(-2);
  });
});
