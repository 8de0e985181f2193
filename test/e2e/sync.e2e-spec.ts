import {
  SYNC_TOKEN_MAX_AGE_MS,
  SyncTokenCodec,
  type EventWriteResponseDto,
  type SyncResponseDto,
} from '@app/calendar';
import type { AppConfig } from '@app/config';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const Y = new Date().getUTCFullYear() + 1;

describe('incremental sync against real FerretDB and Redis', () => {
  let api: TestApi;
  let config: AppConfig;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    config = await testConfig();
    api = await startTestApi(config);
    alice = await registerUser(api, { timeZone: 'Europe/Berlin' });
    bob = await registerUser(api, { timeZone: 'Europe/Berlin' });
  });
  afterAll(() => api?.close());

  const sync = async (user: TestUser, token?: string, limit?: number): Promise<SyncResponseDto> => {
    const params = new URLSearchParams();
    if (token) params.set('syncToken', token);
    if (limit) params.set('limit', String(limit));
    const res = await api.request<SyncResponseDto>(`/v1/events/sync?${params}`, { token: user.token });
    expect(res.status).toBe(200);
    return res.body;
  };
  const create = async (user: TestUser, title: string) => {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title, start: `${Y}-02-01T10:00` },
    });
    expect(res.status).toBe(201);
    return res.body.event;
  };

  it('sees creates, updates and deletes (as tombstones) since the token, and nothing twice', async () => {
    const kept = await create(alice, 'Kept');
    const full = await sync(alice);
    expect(full.fullSync).toBe(true);
    expect(full.hasMore).toBe(false);
    expect(full.items.map((i) => ('deleted' in i ? '(tombstone)' : i.title))).toEqual(['Kept']);

    // Nothing changed: nothing comes (recent changes are re-checked but not re-sent).
    const quiet = await sync(alice, full.nextSyncToken);
    expect(quiet.items).toEqual([]);
    expect(quiet.fullSync).toBe(false);

    const made = await create(alice, 'Made');
    const afterCreate = await sync(alice, quiet.nextSyncToken);
    expect(afterCreate.items).toEqual([expect.objectContaining({ id: made.id, title: 'Made', version: 1 })]);

    const patched = await api.request(`/v1/events/${made.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { title: 'Made (renamed)' },
    });
    expect(patched.status).toBe(200);
    const afterUpdate = await sync(alice, afterCreate.nextSyncToken);
    expect(afterUpdate.items).toEqual([
      expect.objectContaining({ id: made.id, title: 'Made (renamed)', version: 2 }),
    ]);

    expect(
      (await api.request(`/v1/events/${made.id}`, { method: 'DELETE', token: alice.token })).status,
    ).toBe(204);
    const afterDelete = await sync(alice, afterUpdate.nextSyncToken);
    expect(afterDelete.items).toEqual([{ id: made.id, uid: made.uid, deleted: true }]);
    expect((await sync(alice, afterDelete.nextSyncToken)).items).toEqual([]);

    // An old token still works and sums up every change since it (the tombstone included).
    const fromStart = await sync(alice, full.nextSyncToken);
    expect(fromStart.items).toEqual([{ id: made.id, uid: made.uid, deleted: true }]);

    // A new full sync lists live events only.
    expect((await sync(alice)).items.map((i) => i.id)).toEqual([kept.id]);
    // Another user's changes never show up.
    await create(bob, 'Bob only');
    expect((await sync(alice, afterDelete.nextSyncToken)).items).toEqual([]);
  });

  it('pages a full sync and the changes after it', async () => {
    const carol = await registerUser(api, { timeZone: 'UTC' });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await create(carol, `Event ${i}`)).id);
    const seen: string[] = [];
    let body = await sync(carol, undefined, 2);
    seen.push(...body.items.map((i) => i.id));
    let pages = 1;
    while (body.hasMore) {
      expect(body.fullSync).toBe(true);
      body = await sync(carol, body.nextSyncToken, 2);
      seen.push(...body.items.map((i) => i.id));
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids].sort());
    expect((await sync(carol, body.nextSyncToken, 2)).items).toEqual([]);
  });

  it('answers 410 for an unknown, tampered, foreign or expired token', async () => {
    const { nextSyncToken } = await sync(alice);
    const gone = async (user: TestUser, token: string) => {
      const res = await api.request(`/v1/events/sync?syncToken=${encodeURIComponent(token)}`, {
        token: user.token,
      });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 410, code: 'gone' });
    };
    await gone(alice, 'not-a-token');
    await gone(alice, `${nextSyncToken.split('.')[0]}.AAAA`);
    await gone(bob, nextSyncToken);
    const codec = new SyncTokenCodec(config.jwt.secret);
    const old = Date.now() - SYNC_TOKEN_MAX_AGE_MS - 60_000;
    await gone(alice, codec.encode({ u: alice.id, t: old, r: [], f: false, s: old, iat: old }));
    // The same codec with a fresh position is accepted, so it is the age that was refused.
    const fresh = codec.encode({
      u: alice.id,
      t: Date.now() - 60_000,
      r: [],
      f: false,
      s: 0,
      iat: Date.now(),
    });
    expect((await api.request(`/v1/events/sync?syncToken=${fresh}`, { token: alice.token })).status).toBe(
      200,
    );
  });
});
