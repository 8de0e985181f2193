import type { EventResponseDto, EventWriteResponseDto, OccurrencePageDto } from '@app/calendar';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

describe('events API against real FerretDB and Redis', () => {
  let api: TestApi;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    alice = await registerUser(api, { timeZone: 'America/New_York' });
    bob = await registerUser(api, { timeZone: 'Europe/Berlin' });
  });
  afterAll(() => api?.close());

  const create = (user: TestUser, json: unknown, headers: Record<string, string> = {}) =>
    api.request<EventWriteResponseDto>('/v1/events', { method: 'POST', json, token: user.token, headers });
  const createRefused = (user: TestUser, json: unknown) =>
    api.request<ApiErrorBody>('/v1/events', { method: 'POST', json, token: user.token });

  it('creates, reads, updates and deletes an event, with times in UTC and in the requested zone', async () => {
    const created = await create(alice, {
      title: 'Dentist',
      start: '2026-03-12T10:30',
      end: '2026-03-12T11:15',
      location: 'Main St',
    });
    expect(created.status).toBe(201);
    const event = created.body.event;
    expect(event).toMatchObject({
      title: 'Dentist',
      timeZone: 'America/New_York',
      start: '2026-03-12T14:30:00.000Z', // EDT (after the 2026-03-08 change), UTC-4
      startLocal: '2026-03-12T10:30:00-04:00',
      end: '2026-03-12T15:15:00.000Z',
      version: 1,
      etag: '"1"',
    });
    expect(created.headers.get('etag')).toBe('"1"');

    const read = await api.request<EventResponseDto>(`/v1/events/${event.id}?timeZone=Asia/Tokyo`, {
      token: alice.token,
    });
    expect(read.status).toBe(200);
    expect(read.body.startLocal).toBe('2026-03-12T23:30:00+09:00');

    const patched = await api.request<EventWriteResponseDto>(`/v1/events/${event.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { start: '2026-03-12T13:00' },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    // Moving the start keeps the 45-minute duration.
    expect(patched.body.event).toMatchObject({
      start: '2026-03-12T17:00:00.000Z',
      end: '2026-03-12T17:45:00.000Z',
      version: 2,
    });

    const deleted = await api.request(`/v1/events/${event.id}`, { method: 'DELETE', token: alice.token });
    expect(deleted.status).toBe(204);
    expect((await api.request(`/v1/events/${event.id}`, { token: alice.token })).status).toBe(404);
  });

  it('answers 400 naming each bad field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ start: '2026-03-12T10:00' }, 'title'],
      [{ title: 'x'.repeat(201), start: '2026-03-12T10:00' }, 'title'],
      [{ title: 'A', start: 'tomorrow' }, 'start'],
      [{ title: 'A', start: '2026-03-12T10:00', end: '2026-03-12T09:00' }, 'end'],
      [{ title: 'A', start: '2026-03-12T10:00', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ title: 'A', start: '2026-03-12T10:00', recurrence: 'FREQ=SOMETIMES' }, 'recurrence'],
      [{ title: 'A', start: '2026-03-12T10:00', attendees: ['not-an-email'] }, 'attendees'],
      [{ title: 'A', start: '2026-03-12T10:00', reminders: [-5] }, 'reminders'],
      [{ title: 'A', start: '2026-03-12T10:00', allDay: 'yes' }, 'allDay'],
      [{ title: 'A', start: '2026-03-12T10:00', colour: 'red' }, 'colour'],
    ];
    for (const [json, field] of cases) {
      const res = await createRefused(alice, json);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toContain(field);
    }
    const window = await api.request<ApiErrorBody>(
      '/v1/events?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z',
      {
        token: alice.token,
      },
    );
    expect(window.status).toBe(400);
    expect(window.body.error.message).toContain('to');
    expect(
      (await api.request<ApiErrorBody>('/v1/events', { token: alice.token })).body.error.message,
    ).toContain('from');
  });

  it('lists occurrences in a window, expanding a weekly series at 09:00 local across the DST change', async () => {
    const series = await create(alice, {
      title: 'Standup',
      start: '2026-03-02T09:00',
      end: '2026-03-02T09:15',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3',
    });
    expect(series.status).toBe(201);
    const list = await api.request<OccurrencePageDto>(
      '/v1/events?from=2026-03-01T00:00:00-05:00&to=2026-03-20T00:00:00-04:00',
      {
        token: alice.token,
      },
    );
    expect(list.status).toBe(200);
    const standups = list.body.items.filter((o: { title: string }) => o.title === 'Standup');
    expect(standups.map((o: { start: string }) => o.start)).toEqual([
      '2026-03-02T14:00:00.000Z', // EST
      '2026-03-09T13:00:00.000Z', // EDT: same 09:00 wall clock
      '2026-03-16T13:00:00.000Z',
    ]);
    expect(standups.every((o: { seriesId: string }) => o.seriesId === series.body.event.id)).toBe(true);
    expect(standups.map((o: { startLocal: string }) => o.startLocal.slice(11, 16))).toEqual([
      '09:00',
      '09:00',
      '09:00',
    ]);
  });

  it('paginates with a cursor, in start order, without repeats', async () => {
    const user = await registerUser(api, { timeZone: 'UTC' });
    await create(user, { title: 'Daily', start: '2026-05-01T08:00', recurrence: 'FREQ=DAILY;COUNT=7' });
    const starts: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/events?from=2026-05-01T00:00:00Z&to=2026-05-31T00:00:00Z&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api.request<OccurrencePageDto>(q, { token: user.token });
      expect(page.status).toBe(200);
      starts.push(...page.body.items.map((o: { start: string }) => o.start));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(starts).toHaveLength(7);
    expect([...starts].sort()).toEqual(starts);
    expect(new Set(starts).size).toBe(7);
    const bad = await api.request(
      '/v1/events?from=2026-05-01T00:00:00Z&to=2026-05-31T00:00:00Z&cursor=garbage',
      { token: user.token },
    );
    expect(bad.status).toBe(400);
  });

  it('edits one occurrence, this-and-following, and all of a series without losing past occurrences', async () => {
    const user = await registerUser(api, { timeZone: 'Europe/Berlin' });
    const s = await create(user, {
      title: 'Yoga',
      start: '2026-06-01T18:00',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
    });
    const id = s.body.event.id;
    const window = '/v1/events?from=2026-05-31T00:00:00Z&to=2026-07-31T00:00:00Z';
    const titles = async () =>
      (await api.request<OccurrencePageDto>(window, { token: user.token })).body.items.map(
        (o: { title: string; startLocal: string }) => `${o.startLocal.slice(0, 16)} ${o.title}`,
      );

    // this: the second occurrence moves an hour later.
    const third = '2026-06-08T16:00:00.000Z';
    const one = await api.request<EventWriteResponseDto>(
      `/v1/events/${id}?scope=this&occurrenceStart=${third}`,
      {
        method: 'PATCH',
        token: user.token,
        json: { start: '2026-06-08T19:00' },
      },
    );
    expect(one.status).toBe(200);
    // thisAndFollowing from the 4th: renamed.
    const split = await api.request<EventWriteResponseDto>(
      `/v1/events/${id}?scope=thisAndFollowing&occurrenceStart=2026-06-22T16:00:00.000Z`,
      {
        method: 'PATCH',
        token: user.token,
        json: { title: 'Hot yoga' },
      },
    );
    expect(split.status).toBe(200);
    expect(split.body.created?.title).toBe('Hot yoga');
    // this (delete): the 5th goes away.
    const del = await api.request(
      `/v1/events/${split.body.created?.id}?scope=this&occurrenceStart=2026-06-29T16:00:00.000Z`,
      {
        method: 'DELETE',
        token: user.token,
      },
    );
    expect(del.status).toBe(204);
    expect(await titles()).toEqual([
      '2026-06-01T18:00 Yoga',
      '2026-06-08T19:00 Yoga',
      '2026-06-15T18:00 Yoga',
      '2026-06-22T18:00 Hot yoga',
      '2026-07-06T18:00 Hot yoga',
    ]);
    const missing = await api.request<ApiErrorBody>(`/v1/events/${id}?scope=this`, {
      method: 'PATCH',
      token: user.token,
      json: { title: 'x' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('occurrenceStart');
  });

  it('returns the overlapping events as conflicts, and the write still succeeds', async () => {
    const user = await registerUser(api, { timeZone: 'UTC' });
    const first = await create(user, { title: 'Review', start: '2026-04-01T10:00', end: '2026-04-01T11:00' });
    await create(user, { title: 'Free time', start: '2026-04-01T10:00', transparency: 'transparent' });
    const second = await create(user, { title: 'Call', start: '2026-04-01T10:30' });
    expect(second.status).toBe(201);
    expect(second.body.conflicts).toEqual([
      {
        seriesId: first.body.event.id,
        title: 'Review',
        start: '2026-04-01T10:00:00.000Z',
        end: '2026-04-01T11:00:00.000Z',
      },
    ]);
    const apart = await create(user, { title: 'Later', start: '2026-04-01T11:30' }); // Call ends 11:30
    expect(apart.body.conflicts).toEqual([]);
  });

  it('refuses a stale If-Match with 412 and changes nothing', async () => {
    const c = await create(alice, { title: 'Plan', start: '2026-04-02T10:00' });
    const id = c.body.event.id;
    await api.request(`/v1/events/${id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { title: 'Plan v2' },
    });
    const stale = await api.request(`/v1/events/${id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { title: 'Plan v3' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    const staleDelete = await api.request(`/v1/events/${id}`, {
      method: 'DELETE',
      token: alice.token,
      headers: { 'if-match': '"1"' },
    });
    expect(staleDelete.status).toBe(412);
    const now = await api.request<EventResponseDto>(`/v1/events/${id}`, { token: alice.token });
    expect(now.body).toMatchObject({ title: 'Plan v2', version: 2 });
  });

  it('creates one event for the same Idempotency-Key sent twice, replaying the first response', async () => {
    const user = await registerUser(api, { timeZone: 'UTC' });
    const body = { title: 'Once', start: '2026-04-03T10:00' };
    const a = await create(user, body, { 'idempotency-key': 'key-123' });
    const b = await create(user, body, { 'idempotency-key': 'key-123' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.event.id).toBe(a.body.event.id);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    const list = await api.request<OccurrencePageDto>(
      '/v1/events?from=2026-04-03T00:00:00Z&to=2026-04-04T00:00:00Z',
      {
        token: user.token,
      },
    );
    expect(list.body.items).toHaveLength(1);
    const other = await create(user, { ...body, title: 'Different' }, { 'idempotency-key': 'key-123' });
    expect(other.status).toBe(422);
  });

  it('serves a cached list, and a list after an update shows the update', async () => {
    const user = await registerUser(api, { timeZone: 'UTC' });
    const c = await create(user, { title: 'Before', start: '2026-04-04T10:00' });
    const url = '/v1/events?from=2026-04-04T00:00:00Z&to=2026-04-05T00:00:00Z';
    const first = await api.request(url, { token: user.token });
    const second = await api.request(url, { token: user.token });
    // The hit is the stored JSON sent as is: the same bytes, still declared as JSON.
    expect(second.text).toBe(first.text);
    expect(second.body).toEqual(first.body);
    expect(first.body.items.map((o: { title: string }) => o.title)).toEqual(['Before']);
    for (const res of [first, second])
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const metrics = (await api.request('/metrics')).text;
    expect(metrics).toMatch(/cache_requests_total\{cache="events",result="hit"\} [1-9]/);
    await api.request(`/v1/events/${c.body.event.id}`, {
      method: 'PATCH',
      token: user.token,
      json: { title: 'After' },
    });
    const third = await api.request(url, { token: user.token });
    expect(third.body.items.map((o: { title: string }) => o.title)).toEqual(['After']);
    expect(metrics).toMatch(/calendar_operations_total\{operation="create",outcome="success"\} [1-9]/);
  });

  it("answers 404 to another user for each of the owner's routes and never changes the event", async () => {
    const c = await create(alice, { title: 'Private', start: '2026-04-05T10:00' });
    const id = c.body.event.id;
    expect((await api.request(`/v1/events/${id}`, { token: bob.token })).status).toBe(404);
    expect(
      (await api.request(`/v1/events/${id}`, { method: 'PATCH', token: bob.token, json: { title: 'Mine' } }))
        .status,
    ).toBe(404);
    expect((await api.request(`/v1/events/${id}`, { method: 'DELETE', token: bob.token })).status).toBe(404);
    const list = await api.request<OccurrencePageDto>(
      '/v1/events?from=2026-04-05T00:00:00Z&to=2026-04-06T00:00:00Z',
      {
        token: bob.token,
      },
    );
    expect(list.body.items).toEqual([]);
    expect((await api.request<EventResponseDto>(`/v1/events/${id}`, { token: alice.token })).body.title).toBe(
      'Private',
    );
    expect((await api.request('/v1/events/not-an-id', { token: bob.token })).status).toBe(404);
  });

  it('counts the authenticated callers of the last 5 minutes in active_users', async () => {
    await api.request<OccurrencePageDto>('/v1/events?from=2026-04-05T00:00:00Z&to=2026-04-06T00:00:00Z', {
      token: alice.token,
    });
    await api.request<OccurrencePageDto>('/v1/events?from=2026-04-05T00:00:00Z&to=2026-04-06T00:00:00Z', {
      token: bob.token,
    });
    await new Promise((r) => setTimeout(r, 100)); // the touch is fire-and-forget
    const metrics = (await api.request('/metrics')).text;
    const active = Number(/^active_users (\d+)$/m.exec(metrics)?.[1]);
    expect(active).toBeGreaterThanOrEqual(2);
  });

  it('requires authentication on every route', async () => {
    expect(
      (await api.request<OccurrencePageDto>('/v1/events?from=2026-04-05T00:00:00Z&to=2026-04-06T00:00:00Z'))
        .status,
    ).toBe(401);
    expect(
      (await api.request('/v1/events', { method: 'POST', json: { title: 'x', start: '2026-04-05T10:00' } }))
        .status,
    ).toBe(401);
  });
});
