import { intRedis } from '../../../test/support/int-redis';
import { DENY_LIST_KEYS, DenyListStore } from './deny-list.store';

describe('DenyListStore on Redis', () => {
  let r: Awaited<ReturnType<typeof intRedis>>;
  let store: DenyListStore;
  beforeAll(async () => {
    r = await intRedis();
    store = new DenyListStore(r.redis, r.config);
  });
  afterAll(() => r?.close());

  const entry = (ip: string, reason: string) => ({
    ip,
    reason,
    addedAt: '2026-01-01T00:00:00Z',
    source: 'test',
  });

  it('adds, lists sorted with metadata, keeps the first reason, removes, and bumps the version each time', async () => {
    expect(await store.version()).toBe('0');
    expect(await store.add([entry('198.51.100.9', 'scan'), entry('192.0.2.1', 'spam')])).toBe(2);
    expect(await store.version()).toBe('1');
    expect(await store.add([entry('192.0.2.1', 'again')])).toBe(0);
    expect(await store.list()).toEqual([entry('192.0.2.1', 'spam'), entry('198.51.100.9', 'scan')]);
    expect(await store.size()).toBe(2);
    expect(await store.remove(['192.0.2.1', '203.0.113.5'])).toBe(1);
    expect(await store.members()).toEqual(['198.51.100.9']);
    expect(await r.client.hkeys(DENY_LIST_KEYS.meta)).toEqual(['198.51.100.9']);
    expect(await store.version()).toBe('3');
    // Entries never expire on their own.
    for (const key of Object.values(DENY_LIST_KEYS)) expect(await r.client.pttl(key)).toBe(-1);
  });

  it('concurrent adds of one address count it once', async () => {
    const added = await Promise.all([1, 2, 3].map((n) => store.add([entry('203.0.113.77', `r${n}`)])));
    expect(added.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
