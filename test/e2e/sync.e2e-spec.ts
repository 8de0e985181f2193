import {
  SYNC_TOKEN_MAX_AGE_MS,
  SyncTokenCodec,
  type EventWriteResponseDto,
  type SyncResponseDto,
} from '@app/calendar';
import type { AppConfig } from '@app/config';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';
import {
  createCalendar,
  createPrivateEvent,
  leaksSecret,
  SECRET_MARKER,
  share,
  unshare,
} from '../support/sharing';
import { registerUser, TestUser } from '../support/users';

/** The error of a refusal (typed: the happy-path DTO has none). */
const errorOf = (res: TestResponse<unknown>) => (res.body as ApiErrorBody).error;

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

  it('does not report an event deleted just before a full sync as deleted after it (the client never had it)', async () => {
    const dana = await registerUser(api, { timeZone: 'UTC' });
    const gone = await create(dana, 'Gone before the sync');
    const kept = await create(dana, 'Listed');
    expect((await api.request(`/v1/events/${gone.id}`, { method: 'DELETE', token: dana.token })).status).toBe(
      204,
    );
    const full = await sync(dana);
    expect(full.items.map((i) => i.id)).toEqual([kept.id]);
    // Within the settle window of that full sync: a change is news, the earlier deletion is not.
    const made = await create(dana, 'After the sync');
    const next = await sync(dana, full.nextSyncToken);
    expect(next.items).toEqual([expect.objectContaining({ id: made.id, title: 'After the sync' })]);
    // Deleting a listed event is still news.
    await api.request(`/v1/events/${kept.id}`, { method: 'DELETE', token: dana.token });
    expect((await sync(dana, next.nextSyncToken)).items).toEqual([
      { id: kept.id, uid: kept.uid, deleted: true },
    ]);
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

  describe('of a shared calendar', () => {
    let owner: TestUser;
    let reader: TestUser;
    let freeBusy: TestUser;
    let stranger: TestUser;
    let team: string;
    let readerRule: string;
    let secretId: string;
    let openId: string;

    beforeAll(async () => {
      [owner, reader, freeBusy, stranger] = await Promise.all(
        [0, 1, 2, 3].map(() => registerUser(api, { timeZone: 'UTC' })),
      );
      team = await createCalendar(api, owner);
      readerRule = await share(api, owner, team, reader, 'reader');
      await share(api, owner, team, freeBusy, 'freeBusyReader');
      secretId = (await createPrivateEvent(api, owner, team, `${Y}-03-01T09:00`)).id;
      const open = await api.request<EventWriteResponseDto>('/v1/events', {
        method: 'POST',
        token: owner.token,
        json: { calendarId: team, title: 'Team lunch', start: `${Y}-03-02T12:00` },
      });
      openId = open.body.event.id;
    });

    const syncOf = (user: TestUser, calendarId: string, token?: string) =>
      api.request<SyncResponseDto>(
        `/v1/events/sync?calendarId=${calendarId}${token ? `&syncToken=${encodeURIComponent(token)}` : ''}`,
        { token: user.token },
      );

    it('gives the owner everything, and a reader private events as busy only', async () => {
      const mine = await syncOf(owner, team);
      expect(mine.status).toBe(200);
      expect(mine.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: secretId, title: `Offer talks ${SECRET_MARKER}`, calendarId: team }),
          expect.objectContaining({ id: openId, title: 'Team lunch' }),
        ]),
      );
      // The owner's primary is another calendar: nothing of the team calendar there.
      expect((await syncOf(owner, 'primary')).body.items).toEqual([]);

      const theirs = await syncOf(reader, team);
      expect(theirs.status).toBe(200);
      expect(leaksSecret(theirs.text)).toBe(false);
      expect(theirs.body.items).toHaveLength(2);
      expect(theirs.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: secretId,
            title: 'Busy',
            description: null,
            location: null,
            attendees: [],
            visibility: 'private',
          }),
          expect.objectContaining({ id: openId, title: 'Team lunch' }),
        ]),
      );

      // A change to the private event reaches the reader as busy only too.
      const renamed = await api.request(`/v1/events/${secretId}`, {
        method: 'PATCH',
        token: owner.token,
        json: { title: `Offer signed ${SECRET_MARKER}` },
      });
      expect(renamed.status).toBe(200);
      const next = await syncOf(reader, team, theirs.body.nextSyncToken);
      expect(next.status).toBe(200);
      expect(next.body.items).toEqual([expect.objectContaining({ id: secretId, title: 'Busy', version: 2 })]);
      expect(leaksSecret(next.text)).toBe(false);
    });

    it('answers 403 naming reader to a freeBusyReader and 404 to a stranger, showing nothing', async () => {
      const fb = await syncOf(freeBusy, team);
      expect({ status: fb.status, code: errorOf(fb)?.code }).toEqual({ status: 403, code: 'forbidden' });
      expect(errorOf(fb).message).toContain('reader');
      expect(leaksSecret(fb.text)).toBe(false);
      const none = await syncOf(stranger, team);
      expect(none.status).toBe(404);
      expect(leaksSecret(none.text)).toBe(false);
      // The same 404 as a calendar that does not exist.
      const missing = await syncOf(stranger, 'ffffffffffffffffffffffff');
      const answer = (r: typeof none) => ({
        status: r.status,
        code: errorOf(r)?.code,
        message: errorOf(r)?.message,
      });
      expect(answer(missing)).toEqual(answer(none));
    });

    it('binds a token to its calendar: another calendarId is a 400 naming the calendar it is for', async () => {
      const { body } = await syncOf(reader, team);
      const mixed = await syncOf(reader, 'primary', body.nextSyncToken);
      expect(mixed.status).toBe(400);
      expect(errorOf(mixed).message).toContain(team);
      expect(errorOf(mixed).details).toEqual([expect.objectContaining({ field: 'syncToken' })]);
      // The reader's own primary token is not valid for the team calendar either.
      const own = await syncOf(reader, 'primary');
      expect((await syncOf(reader, team, own.body.nextSyncToken)).status).toBe(400);
      // A token from before calendars (no calendar in it) is the primary's.
      const codec = new SyncTokenCodec(config.jwt.secret);
      const legacy = codec.encode({
        u: reader.id,
        t: Date.now() - 60_000,
        r: [],
        f: false,
        s: 0,
        iat: Date.now(),
      });
      expect((await syncOf(reader, 'primary', legacy)).status).toBe(200);
      expect((await syncOf(reader, team, legacy)).status).toBe(400);
    });

    it("tells a calendar's syncing clients when an event moves out of it (a tombstone), and the new calendar's that it arrived", async () => {
      const readers = await syncOf(reader, team);
      const owners = await syncOf(owner, 'primary');
      const moved = await api.request(`/v1/events/${openId}`, {
        method: 'PATCH',
        token: owner.token,
        json: { calendarId: 'primary' },
      });
      expect(moved.status).toBe(200);
      const left = await syncOf(reader, team, readers.body.nextSyncToken);
      expect(left.body.items).toEqual([expect.objectContaining({ id: openId, deleted: true })]);
      const arrived = await syncOf(owner, 'primary', owners.body.nextSyncToken);
      expect(arrived.body.items).toEqual([
        expect.objectContaining({ id: openId, title: 'Team lunch', calendarId: owner.id }),
      ]);
      // A new full sync of the team calendar no longer has it at all.
      expect((await syncOf(reader, team)).body.items.map((i) => i.id)).toEqual([secretId]);
    });

    it('stops at once when the share is revoked: the next sync is a 404, with the old token too', async () => {
      const before = await syncOf(reader, team);
      expect(before.status).toBe(200);
      await unshare(api, owner, team, readerRule);
      const withToken = await syncOf(reader, team, before.body.nextSyncToken);
      expect(withToken.status).toBe(404);
      expect(leaksSecret(withToken.text)).toBe(false);
      expect((await syncOf(reader, team)).status).toBe(404);
    });
  });
});
