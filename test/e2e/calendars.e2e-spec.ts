import type {
  AclListDto,
  AclRuleCreateDto,
  AclRuleResponseDto,
  CalendarCreateDto,
  CalendarListDto,
  CalendarResponseDto,
  EventResponseDto,
  EventWriteResponseDto,
  OccurrencePageDto,
} from '@app/calendar';
import { AuditService } from '@app/audit';
import { AppConfig } from '@app/config';
import type { AuditEventListResponse } from '@app/identity';
import { MongoClient, ObjectId } from 'mongodb';
import { runOps } from '../support/cli';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser, uniqueAddress } from '../support/users';

const WINDOW = 'from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z';

/** Calendars and sharing through the API: the routes, bad input, audit, ORG_DOMAINS, warm caches. */
describe('calendars and sharing against real FerretDB and Redis', () => {
  let config: AppConfig;
  let api: TestApi;

  beforeAll(async () => {
    config = await testConfig();
    api = await startTestApi(config);
  });
  afterAll(() => api?.close());

  const calendars = (u: TestUser) => api.request<CalendarListDto>('/v1/calendars', { token: u.token });
  const calendar = (u: TestUser, id: string) =>
    api.request<CalendarResponseDto>(`/v1/calendars/${id}`, { token: u.token });
  const createCalendar = async (u: TestUser, json: CalendarCreateDto = { name: 'Team' }) => {
    const res = await api.request<CalendarResponseDto>('/v1/calendars', {
      method: 'POST',
      token: u.token,
      json,
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const acl = (u: TestUser, id: string) =>
    api.request<AclListDto>(`/v1/calendars/${id}/acl`, { token: u.token });
  const share = (u: TestUser, id: string, json: AclRuleCreateDto) =>
    api.request<AclRuleResponseDto>(`/v1/calendars/${id}/acl`, { method: 'POST', token: u.token, json });
  const shared = async (u: TestUser, id: string, json: AclRuleCreateDto) => {
    const res = await share(u, id, json);
    expect(res.status).toBe(201);
    return res.body;
  };
  const createEvent = async (u: TestUser, json: Record<string, unknown>) => {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: u.token,
      json,
    });
    expect(res.status).toBe(201);
    return res.body.event;
  };
  const list = (u: TestUser, calendarIds?: string) =>
    api.request<OccurrencePageDto>(
      `/v1/events?${WINDOW}${calendarIds ? `&calendarIds=${calendarIds}` : ''}`,
      {
        token: u.token,
      },
    );
  const titles = (page: OccurrencePageDto) => page.items.map((o) => o.title);
  const getEvent = (u: TestUser, id: string) =>
    api.request<EventResponseDto>(`/v1/events/${id}`, { token: u.token });
  /** The value of one cache counter on /metrics. */
  const cacheCount = async (result: 'hit' | 'miss') => {
    const line = (await api.request('/metrics')).text
      .split('\n')
      .find((l) => l.startsWith(`cache_requests_total{cache="events",result="${result}"}`));
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  describe('calendars', () => {
    it('lists the primary calendar (its id the account id), creates, reads, changes and deletes another', async () => {
      const ada = await registerUser(api, { name: 'Ada', timeZone: 'Europe/London' });
      expect((await calendars(ada)).body.items).toEqual([
        {
          id: ada.id,
          name: 'Ada',
          description: null,
          color: null,
          timeZone: 'Europe/London',
          primary: true,
          role: 'owner',
          defaultReminders: [],
        },
      ]);
      const team = await createCalendar(ada, { name: ' Team ', color: '#3F51B5', timeZone: 'Asia/Tokyo' });
      expect(team).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        name: 'Team',
        description: null,
        color: '#3f51b5',
        timeZone: 'Asia/Tokyo',
        primary: false,
        role: 'owner',
        defaultReminders: [],
      });
      // Primary first, then the others by name.
      expect((await calendars(ada)).body.items.map((c) => c.id)).toEqual([ada.id, team.id]);
      expect((await calendar(ada, team.id)).body).toEqual(team);

      const patched = await api.request<CalendarResponseDto>(`/v1/calendars/${team.id}`, {
        method: 'PATCH',
        token: ada.token,
        json: { name: 'Team 2027', description: 'Planning', color: null },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({ ...team, name: 'Team 2027', description: 'Planning', color: null });
      expect((await calendar(ada, team.id)).body).toEqual(patched.body);

      const removed = await api.request(`/v1/calendars/${team.id}`, { method: 'DELETE', token: ada.token });
      expect(removed.status).toBe(204);
      expect((await calendar(ada, team.id)).status).toBe(404);
      expect(
        (await api.request(`/v1/calendars/${team.id}`, { method: 'DELETE', token: ada.token })).status,
      ).toBe(404);
      expect((await calendars(ada)).body.items.map((c) => c.id)).toEqual([ada.id]);
    });

    it('accepts `primary` wherever a calendar id goes, and never deletes the primary calendar (409)', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      expect((await calendar(ada, 'primary')).body).toMatchObject({
        id: ada.id,
        primary: true,
        role: 'owner',
      });
      const renamed = await api.request<CalendarResponseDto>('/v1/calendars/primary', {
        method: 'PATCH',
        token: ada.token,
        json: { name: 'Ada at work' },
      });
      expect(renamed.body).toMatchObject({ id: ada.id, name: 'Ada at work' });
      for (const id of ['primary', ada.id]) {
        const refused = await api.request<ApiErrorBody>(`/v1/calendars/${id}`, {
          method: 'DELETE',
          token: ada.token,
        });
        expect(refused.status).toBe(409);
        expect(refused.body.error.message).toMatch(/primary calendar cannot be deleted/);
      }
      expect((await calendar(ada, 'primary')).status).toBe(200);

      const rule = await shared(ada, 'primary', { email: bob.email, role: 'reader' });
      expect((await acl(ada, 'primary')).body.items).toEqual([
        { id: 'owner', email: ada.email, role: 'owner' },
        rule,
      ]);
      const event = await createEvent(ada, {
        title: 'In primary',
        start: '2027-03-10T10:00',
        calendarId: 'primary',
      });
      expect(event.calendarId).toBe(ada.id);
      expect(titles((await list(ada, 'primary')).body)).toEqual(['In primary']);
      // Bob's `primary` is his own, not Ada's.
      expect(titles((await list(bob, 'primary')).body)).toEqual([]);
      expect(titles((await list(bob, ada.id)).body)).toEqual(['In primary']);
      // Someone else's primary shared with you is not your primary calendar.
      expect((await calendars(bob)).body.items).toEqual([
        expect.objectContaining({ id: bob.id, primary: true, role: 'owner' }),
        expect.objectContaining({ id: ada.id, name: 'Ada at work', primary: false, role: 'reader' }),
      ]);
      expect((await calendar(bob, ada.id)).body).toMatchObject({ primary: false, role: 'reader' });
    });

    it('moves an event between calendars with PATCH calendarId (scope all, writer on both), and back with `primary`', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const work = await createCalendar(ada, { name: 'Work' });
      const bobs = await createCalendar(bob, { name: 'Bob only reads' });
      await shared(bob, bobs.id, { email: ada.email, role: 'reader' });
      const event = await createEvent(ada, { title: 'Mover', start: '2027-03-11T10:00' });
      const series = await createEvent(ada, {
        title: 'Weekly',
        start: '2027-03-02T09:00',
        recurrence: 'FREQ=WEEKLY;COUNT=3',
      });
      const patch = (id: string, json: Record<string, unknown>, query = '') =>
        api.request<EventWriteResponseDto & ApiErrorBody>(`/v1/events/${id}${query}`, {
          method: 'PATCH',
          token: ada.token,
          json,
        });

      const moved = await patch(event.id, { calendarId: work.id });
      expect(moved.status).toBe(200);
      expect(moved.body.event).toMatchObject({ calendarId: work.id, version: 2 });
      expect(titles((await list(ada, work.id)).body)).toEqual(['Mover']);
      expect(titles((await list(ada, 'primary')).body)).not.toContain('Mover');

      // Refusals leave the event where it was: a calendar Ada only reads (403), one that does not exist (404),
      // and a move of one occurrence (400).
      const readOnly = await patch(event.id, { calendarId: bobs.id });
      expect(readOnly.status).toBe(403);
      expect(readOnly.body.error.message).toMatch(/writer/);
      expect((await patch(event.id, { calendarId: '0123456789abcdef01234567' })).status).toBe(404);
      const one = await patch(
        series.id,
        { calendarId: work.id },
        `?scope=this&occurrenceStart=${encodeURIComponent(series.start)}`,
      );
      expect(one.status).toBe(400);
      expect(one.body.error.details).toEqual([expect.objectContaining({ field: 'calendarId' })]);
      expect((await getEvent(ada, event.id)).body).toMatchObject({ calendarId: work.id, version: 2 });
      expect((await getEvent(ada, series.id)).body).toMatchObject({ calendarId: ada.id, version: 1 });

      const back = await patch(event.id, { calendarId: 'primary' });
      expect(back.body.event.calendarId).toBe(ada.id);
      expect(titles((await list(ada, work.id)).body)).toEqual([]);
    });

    it('deleting a calendar removes its events from every listing at once, the owner’s and a reader’s warm caches included', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const trip = await createCalendar(ada, { name: 'Trip' });
      await shared(ada, trip.id, { email: bob.email, role: 'reader' });
      const event = await createEvent(ada, {
        title: 'Flight',
        start: '2027-03-12T08:00',
        calendarId: trip.id,
      });
      for (const u of [ada, bob])
        for (let i = 0; i < 2; i++) expect(titles((await list(u)).body)).toContain('Flight');
      expect(titles((await list(bob, trip.id)).body)).toEqual(['Flight']);

      expect(
        (await api.request(`/v1/calendars/${trip.id}`, { method: 'DELETE', token: ada.token })).status,
      ).toBe(204);
      for (const u of [ada, bob]) {
        expect(titles((await list(u)).body)).not.toContain('Flight');
        expect((await list(u, trip.id)).status).toBe(404);
        expect((await getEvent(u, event.id)).status).toBe(404);
        expect((await calendars(u)).body.items.map((c) => c.id)).not.toContain(trip.id);
      }
    });
  });

  describe('purging deleted calendars', () => {
    it('`ops db maintenance` purges the events, rules and record of calendars deleted past CALENDAR_RETENTION_DAYS, and nothing else', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const old = await createCalendar(ada, { name: 'Deleted long ago' });
      const recent = await createCalendar(ada, { name: 'Deleted yesterday' });
      const kept = await createCalendar(ada, { name: 'Kept' });
      for (const c of [old, recent, kept]) {
        await shared(ada, c.id, { email: bob.email, role: 'reader' });
        await createEvent(ada, { title: c.name, start: '2027-03-22T10:00', calendarId: c.id });
      }
      for (const c of [old, recent])
        expect(
          (await api.request(`/v1/calendars/${c.id}`, { method: 'DELETE', token: ada.token })).status,
        ).toBe(204);
      const mongo = await MongoClient.connect(config.mongodbUri);
      try {
        const db = mongo.db();
        const days = config.calendarRetentionDays;
        await db
          .collection('calendars')
          .updateOne(
            { _id: new ObjectId(old.id) },
            { $set: { deletedAt: new Date(Date.now() - (days + 1) * 864e5) } },
          );
        await db
          .collection('calendars')
          .updateOne(
            { _id: new ObjectId(recent.id) },
            { $set: { deletedAt: new Date(Date.now() - (days - 1) * 864e5) } },
          );
        const env = {
          MONGODB_URI: config.mongodbUri,
          REDIS_URL: config.redisUrl,
          JWT_SECRET: config.jwt.secret,
        };
        const res = await runOps(['db', 'maintenance', '--json'], env);
        expect(res.code).toBe(0);
        const purged = (
          JSON.parse(res.stdout).purged as { collection: string; what: string; deleted: number }[]
        )
          .filter((p) => /calendars deleted/.test(p.what))
          .map((p) => [p.collection, p.deleted]);
        expect(purged).toEqual([
          ['events', 1],
          ['calendar_acl', 1],
          ['feeds', 0],
          ['dav_files', 0],
          ['calendars', 1],
        ]);
        const left = async (collection: string, filter: Record<string, unknown>) =>
          (await db.collection(collection).find(filter).toArray())
            .map((d) => String(d.calendarId ?? d._id))
            .sort();
        const ids = [old, recent, kept].map((c) => new ObjectId(c.id));
        expect(await left('calendars', { _id: { $in: ids } })).toEqual([recent.id, kept.id].sort());
        expect(await left('events', { calendarId: { $in: ids } })).toEqual([recent.id, kept.id].sort());
        expect(await left('calendar_acl', { calendarId: { $in: ids } })).toEqual([recent.id, kept.id].sort());
      } finally {
        await mongo.close();
      }
      expect(titles((await list(bob)).body)).toEqual(['Kept']);
    });
  });

  describe('sharing', () => {
    it('shares by address: the rule lists, its role changes and it is revoked; the creator stays (409)', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const team = await createCalendar(ada, { name: 'Team' });
      const rule = await shared(ada, team.id, { email: bob.email.toUpperCase(), role: 'reader' });
      expect(rule).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), email: bob.email, role: 'reader' });
      expect((await calendars(bob)).body.items).toContainEqual(
        expect.objectContaining({ id: team.id, role: 'reader', primary: false }),
      );
      const again = await share(ada, team.id, { email: bob.email, role: 'writer' });
      expect(again.status).toBe(409);

      const changed = await api.request<AclRuleResponseDto>(`/v1/calendars/${team.id}/acl/${rule.id}`, {
        method: 'PATCH',
        token: ada.token,
        json: { role: 'writer' },
      });
      expect(changed.body).toEqual({ ...rule, role: 'writer' });
      expect((await calendar(bob, team.id)).body.role).toBe('writer');

      for (const method of ['PATCH', 'DELETE'] as const) {
        const creator = await api.request<ApiErrorBody>(`/v1/calendars/${team.id}/acl/owner`, {
          method,
          token: ada.token,
          ...(method === 'PATCH' ? { json: { role: 'reader' } } : {}),
        });
        expect(creator.status).toBe(409);
      }
      expect(
        (await api.request(`/v1/calendars/${team.id}/acl/${rule.id}`, { method: 'DELETE', token: ada.token }))
          .status,
      ).toBe(204);
      expect((await calendar(bob, team.id)).status).toBe(404);
      expect((await acl(ada, team.id)).body.items).toEqual([
        { id: 'owner', email: ada.email, role: 'owner' },
      ]);
    });

    it('answers an address without an account like any other (201), and the rule holds once it signs up', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const team = await createCalendar(ada, { name: 'Team' });
      await createEvent(ada, { title: 'Kick-off', start: '2027-03-15T10:00', calendarId: team.id });
      const later = uniqueAddress();
      const known = await share(ada, team.id, { email: bob.email, role: 'reader' });
      const unknown = await share(ada, team.id, { email: later, role: 'reader' });
      // The same status and the same shape: nothing tells whether an account exists.
      expect([known.status, unknown.status]).toEqual([201, 201]);
      expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(known.body).sort());
      expect(unknown.headers.get('content-length')).toBe(
        String(Number(known.headers.get('content-length')) - bob.email.length + later.length),
      );

      const carol = await registerUser(api, { email: later });
      expect((await calendars(carol)).body.items).toContainEqual(
        expect.objectContaining({ id: team.id, role: 'reader' }),
      );
      expect(titles((await list(carol)).body)).toEqual(['Kick-off']);
      // And a revocation reaches the new account's warm cache.
      expect(titles((await list(carol)).body)).toEqual(['Kick-off']);
      const ruleId = unknown.body.id;
      await api.request(`/v1/calendars/${team.id}/acl/${ruleId}`, { method: 'DELETE', token: ada.token });
      expect(titles((await list(carol)).body)).toEqual([]);
    });

    it('refuses bad input, each a 4xx naming the problem, and changes nothing', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const carol = await registerUser(api);
      const stranger = await registerUser(api);
      const team = await createCalendar(ada, { name: 'Team', color: '#0b8043' });
      await shared(ada, team.id, { email: bob.email, role: 'reader' });
      await shared(ada, team.id, { email: carol.email, role: 'owner' });
      const bobsOwn = await createCalendar(bob, { name: 'Bob' });
      const snapshot = async () => ({
        adaCalendars: (await calendars(ada)).body,
        team: (await calendar(ada, team.id)).body,
        acl: (await acl(ada, team.id)).body,
        events: (await list(ada)).body,
        bobEvents: (await list(bob)).body,
      });
      const before = await snapshot();

      const cases: [string, TestUser, string, string, unknown, number, RegExp][] = [
        ['empty name', ada, 'POST', '/v1/calendars', { name: '  ' }, 400, /name/],
        ['no name', ada, 'POST', '/v1/calendars', { color: '#aabbcc' }, 400, /name/],
        [
          'a color that is a word',
          ada,
          'POST',
          '/v1/calendars',
          { name: 'X', color: 'red' },
          400,
          /color.*#rrggbb/,
        ],
        ['a short color', ada, 'POST', '/v1/calendars', { name: 'X', color: '#abc' }, 400, /color/],
        ['an unknown field', ada, 'POST', '/v1/calendars', { name: 'X', owner: 'me' }, 400, /owner/],
        [
          'an unknown zone',
          ada,
          'POST',
          '/v1/calendars',
          { name: 'X', timeZone: 'Mars/Base' },
          400,
          /timeZone/,
        ],
        ['renamed to nothing', ada, 'PATCH', `/v1/calendars/${team.id}`, { name: '' }, 400, /name/],
        ['recolored badly', ada, 'PATCH', `/v1/calendars/${team.id}`, { color: '#12345g' }, 400, /color/],
        ['a change of nothing', ada, 'PATCH', `/v1/calendars/${team.id}`, {}, 400, /at least one field/],
        [
          'an unknown role',
          ada,
          'POST',
          `/v1/calendars/${team.id}/acl`,
          { email: 'x@example.com', role: 'editor' },
          400,
          /role "editor" is unknown: must be one of freeBusyReader, reader, writer, owner/,
        ],
        [
          'an unknown role in a change',
          ada,
          'PATCH',
          `/v1/calendars/${team.id}/acl/owner`,
          { role: 'admin' },
          400,
          /"admin" is unknown/,
        ],
        [
          'not an address',
          ada,
          'POST',
          `/v1/calendars/${team.id}/acl`,
          { email: 'bob', role: 'reader' },
          400,
          /email/,
        ],
        [
          'sharing with oneself',
          ada,
          'POST',
          `/v1/calendars/${team.id}/acl`,
          { email: ` ${ada.email.toUpperCase()} `, role: 'reader' },
          400,
          /email.*yourself|yourself/,
        ],
        [
          'an owner sharing with themself',
          carol,
          'POST',
          `/v1/calendars/${team.id}/acl`,
          { email: carol.email, role: 'writer' },
          400,
          /yourself/,
        ],
        [
          'sharing with the creator',
          carol,
          'POST',
          `/v1/calendars/${team.id}/acl`,
          { email: ada.email, role: 'reader' },
          400,
          /owner/,
        ],
        [
          'sharing a calendar one only reads',
          bob,
          'POST',
          `/v1/calendars/${team.id}/acl`,
          { email: 'x@example.com', role: 'reader' },
          403,
          /owner role/,
        ],
        [
          'reading the rules of a calendar one only reads',
          bob,
          'GET',
          `/v1/calendars/${team.id}/acl`,
          undefined,
          403,
          /owner role/,
        ],
        [
          'sharing a calendar one has no role on',
          stranger,
          'POST',
          `/v1/calendars/${team.id}/acl`,
          { email: 'x@example.com', role: 'reader' },
          404,
          /not found/,
        ],
        [
          'changing a calendar one only reads',
          bob,
          'PATCH',
          `/v1/calendars/${team.id}`,
          { name: 'Mine' },
          403,
          /owner role/,
        ],
        [
          'deleting a calendar one only reads',
          bob,
          'DELETE',
          `/v1/calendars/${team.id}`,
          undefined,
          403,
          /owner role/,
        ],
        [
          'deleting a calendar one has no role on',
          stranger,
          'DELETE',
          `/v1/calendars/${team.id}`,
          undefined,
          404,
          /not found/,
        ],
        [
          'an event in a calendar one only reads',
          bob,
          'POST',
          '/v1/events',
          { title: 'Sneaky', start: '2027-03-20T10:00', calendarId: team.id },
          403,
          /writer role/,
        ],
        [
          'an event in a calendar one has no role on',
          stranger,
          'POST',
          '/v1/events',
          { title: 'Sneaky', start: '2027-03-20T10:00', calendarId: bobsOwn.id },
          404,
          /not found/,
        ],
        [
          'an event in a calendar named badly',
          ada,
          'POST',
          '/v1/events',
          { title: 'Sneaky', start: '2027-03-20T10:00', calendarId: 'work' },
          400,
          /calendarId/,
        ],
        [
          'a listing of a calendar named badly',
          ada,
          'GET',
          `/v1/events?${WINDOW}&calendarIds=primary,nope`,
          undefined,
          400,
          /calendarIds/,
        ],
      ];
      for (const [what, user, method, path, json, status, message] of cases) {
        const res = await api.request<ApiErrorBody>(path, { method, token: user.token, json });
        expect({ what, status: res.status, message: res.body.error?.message }).toEqual({
          what,
          status,
          message: expect.stringMatching(message),
        });
      }
      expect(await snapshot()).toEqual(before);
      expect(before.team.color).toBe('#0b8043');
    });

    it('hides a private occurrence of a shared series from a reader, in the listing and in the event', async () => {
      const ada = await registerUser(api, { timeZone: 'UTC' });
      const bob = await registerUser(api);
      await shared(ada, 'primary', { email: bob.email, role: 'reader' });
      const series = await createEvent(ada, {
        title: 'Standup',
        start: '2027-03-01T09:00',
        recurrence: 'FREQ=DAILY;COUNT=3',
      });
      const second = '2027-03-02T09:00:00.000Z';
      const edited = await api.request<EventWriteResponseDto>(
        `/v1/events/${series.id}?scope=this&occurrenceStart=${second}`,
        { method: 'PATCH', token: ada.token, json: { title: 'Doctor (private)', visibility: 'private' } },
      );
      expect(edited.status).toBe(200);
      expect((await getEvent(ada, series.id)).text).toContain('Doctor (private)');
      expect(titles((await list(bob, ada.id)).body)).toEqual(['Standup', 'Busy', 'Standup']);
      const seen = await getEvent(bob, series.id);
      expect(seen.status).toBe(200);
      expect(seen.text).not.toContain('Doctor');
      expect(seen.body.overrides).toEqual([expect.objectContaining({ originalStart: second })]);
      expect(seen.body.title).toBe('Standup');
    });
  });

  describe('revocation under a warm cache', () => {
    it('a revoked reader’s next list and read are 404, though the list was a cache hit just before', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const team = await createCalendar(ada, { name: 'Team' });
      const rule = await shared(ada, team.id, { email: bob.email, role: 'reader' });
      const event = await createEvent(ada, {
        title: 'Board meeting',
        start: '2027-03-16T10:00',
        calendarId: team.id,
      });
      expect(titles((await list(bob, team.id)).body)).toEqual(['Board meeting']);
      const hits = await cacheCount('hit');
      const warm = await list(bob, team.id);
      expect(titles(warm.body)).toEqual(['Board meeting']);
      expect(await cacheCount('hit')).toBe(hits + 1);

      expect(
        (await api.request(`/v1/calendars/${team.id}/acl/${rule.id}`, { method: 'DELETE', token: ada.token }))
          .status,
      ).toBe(204);
      const after = await list(bob, team.id);
      expect(after.status).toBe(404);
      expect(after.text).not.toContain('Board meeting');
      expect((await getEvent(bob, event.id)).status).toBe(404);
      expect(titles((await list(bob)).body)).not.toContain('Board meeting');
    });

    it('a reader lowered to freeBusyReader gets 403 on the next list of a warm page, and busy never shows a title', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const team = await createCalendar(ada, { name: 'Team' });
      const rule = await shared(ada, team.id, { email: bob.email, role: 'reader' });
      const event = await createEvent(ada, {
        title: 'Salary review',
        start: '2027-03-17T10:00',
        calendarId: team.id,
      });
      await list(bob, team.id);
      await list(bob);
      const hits = await cacheCount('hit');
      expect(titles((await list(bob, team.id)).body)).toEqual(['Salary review']);
      expect(titles((await list(bob)).body)).toEqual(['Salary review']);
      expect(await cacheCount('hit')).toBe(hits + 2);

      const lowered = await api.request(`/v1/calendars/${team.id}/acl/${rule.id}`, {
        method: 'PATCH',
        token: ada.token,
        json: { role: 'freeBusyReader' },
      });
      expect(lowered.status).toBe(200);
      const refused = await list(bob, team.id);
      expect(refused.status).toBe(403);
      expect((refused.body as unknown as ApiErrorBody).error.message).toMatch(/reader role/);
      expect((await getEvent(bob, event.id)).status).toBe(403);
      expect(titles((await list(bob)).body)).toEqual([]);
      expect((await calendar(bob, team.id)).body.role).toBe('freeBusyReader');
    });

    it('a writer’s change reaches a reader’s warm cache at once, and the owner’s', async () => {
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const carol = await registerUser(api);
      const team = await createCalendar(ada, { name: 'Team' });
      await shared(ada, team.id, { email: bob.email, role: 'writer' });
      await shared(ada, team.id, { email: carol.email, role: 'reader' });
      const event = await createEvent(ada, {
        title: 'Draft',
        start: '2027-03-18T10:00',
        calendarId: team.id,
      });
      for (const u of [ada, carol]) {
        await list(u, team.id);
        expect(titles((await list(u, team.id)).body)).toEqual(['Draft']);
      }
      const edited = await api.request(`/v1/events/${event.id}`, {
        method: 'PATCH',
        token: bob.token,
        json: { title: 'Final' },
      });
      expect(edited.status).toBe(200);
      const added = await createEvent(bob, {
        title: 'Added by Bob',
        start: '2027-03-19T10:00',
        calendarId: team.id,
      });
      for (const u of [ada, carol])
        expect(titles((await list(u, team.id)).body)).toEqual(['Final', 'Added by Bob']);
      expect(
        (await api.request(`/v1/events/${added.id}`, { method: 'DELETE', token: bob.token })).status,
      ).toBe(204);
      for (const u of [ada, carol]) expect(titles((await list(u, team.id)).body)).toEqual(['Final']);
    });
  });

  describe('audit', () => {
    it('records grants, changes, revocations and calendar deletes with actor, route, status and outcome', async () => {
      const admin = await registerUser(api);
      const env = {
        MONGODB_URI: config.mongodbUri,
        REDIS_URL: config.redisUrl,
        JWT_SECRET: config.jwt.secret,
      };
      // Granted before the account's first authenticated request, so no cached role is in the way.
      expect((await runOps(['users', 'grant-admin', admin.email, '--json'], env)).code).toBe(0);
      const ada = await registerUser(api);
      const bob = await registerUser(api);
      const team = await createCalendar(ada, { name: 'Audited' });
      const rule = await shared(ada, team.id, { email: bob.email, role: 'reader' });
      await api.request(`/v1/calendars/${team.id}/acl/${rule.id}`, {
        method: 'PATCH',
        token: ada.token,
        json: { role: 'writer' },
      });
      // Refusals are audited as failures.
      expect((await share(bob, team.id, { email: 'x@example.com', role: 'reader' })).status).toBe(403);
      await api.request(`/v1/calendars/${team.id}/acl/${rule.id}`, { method: 'DELETE', token: ada.token });
      await api.request(`/v1/calendars/${team.id}`, { method: 'DELETE', token: ada.token });
      expect(
        (await api.request('/v1/calendars/primary', { method: 'DELETE', token: ada.token })).status,
      ).toBe(409);
      await api.app.get(AuditService).flush();

      const audited = async (type: string) => {
        const res = await api.request<AuditEventListResponse>(
          `/v1/admin/audit-events?type=${type}&limit=200`,
          {
            token: admin.token,
          },
        );
        expect(res.status).toBe(200);
        return res.body.items
          .filter((e) => e.actor === ada.id || e.actor === bob.id)
          .map(({ actor, route, status, outcome, reason }) => ({
            actor,
            route,
            status,
            outcome,
            ...(reason ? { reason } : {}),
          }))
          .reverse();
      };
      expect(await audited('acl_grant')).toEqual([
        {
          actor: ada.id,
          route: `/v1/calendars/${team.id}/acl`,
          status: 201,
          outcome: 'success',
          reason: `${bob.email} granted reader`,
        },
        { actor: bob.id, route: `/v1/calendars/${team.id}/acl`, status: 403, outcome: 'failure' },
      ]);
      expect(await audited('acl_update')).toEqual([
        {
          actor: ada.id,
          route: `/v1/calendars/${team.id}/acl/${rule.id}`,
          status: 200,
          outcome: 'success',
          reason: `${bob.email} now writer`,
        },
      ]);
      expect(await audited('acl_revoke')).toEqual([
        {
          actor: ada.id,
          route: `/v1/calendars/${team.id}/acl/${rule.id}`,
          status: 204,
          outcome: 'success',
          reason: `${bob.email} revoked (was writer)`,
        },
      ]);
      expect(await audited('calendar_delete')).toEqual([
        { actor: ada.id, route: `/v1/calendars/${team.id}`, status: 204, outcome: 'success' },
        { actor: ada.id, route: '/v1/calendars/primary', status: 409, outcome: 'failure' },
      ]);
    });
  });

  describe('ORG_DOMAINS', () => {
    let org: TestApi;
    beforeAll(async () => {
      org = await startTestApi(await testConfig({ ORG_DOMAINS: 'org.example, Branch.Org.Example' }));
    });
    afterAll(() => org?.close());

    it("lets accounts in the domains see each other's primary as freeBusyReader, and nothing more", async () => {
      const ada = await registerUser(org, { email: uniqueAddress('org.example') });
      const bob = await registerUser(org, { email: uniqueAddress('branch.org.example') });
      const outsider = await registerUser(org, { email: uniqueAddress('elsewhere.example') });
      const team = await org.request<CalendarResponseDto>('/v1/calendars', {
        method: 'POST',
        token: ada.token,
        json: { name: 'Org secondary' },
      });
      const event = await org.request<EventWriteResponseDto>('/v1/events', {
        method: 'POST',
        token: ada.token,
        json: { title: 'Org secret', start: '2027-03-10T10:00' },
      });
      expect(event.status).toBe(201);
      const req = (u: TestUser, path: string) => org.request(path, { token: u.token });

      const seen = await req(bob, `/v1/calendars/${ada.id}`);
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ id: ada.id, role: 'freeBusyReader', primary: false });
      const listed = await req(bob, `/v1/events?${WINDOW}&calendarIds=${ada.id}`);
      expect(listed.status).toBe(403);
      expect(listed.body.error.message).toMatch(/reader role/);
      expect((await req(bob, `/v1/events/${event.body.event.id}`)).status).toBe(403);
      expect((await req(bob, `/v1/calendars/${ada.id}/acl`)).status).toBe(403);
      expect((await req(bob, `/v1/events?${WINDOW}`)).text).not.toContain('Org secret');
      // Only the primary calendar, and only inside the domains.
      expect((await req(bob, `/v1/calendars/${team.body.id}`)).status).toBe(404);
      expect((await req(outsider, `/v1/calendars/${ada.id}`)).status).toBe(404);
      expect((await req(ada, `/v1/calendars/${outsider.id}`)).status).toBe(404);
      // A rule still raises the role above the default.
      await org.request(`/v1/calendars/primary/acl`, {
        method: 'POST',
        token: ada.token,
        json: { email: bob.email, role: 'reader' },
      });
      expect((await req(bob, `/v1/events?${WINDOW}&calendarIds=${ada.id}`)).text).toContain('Org secret');
    });
  });
});
