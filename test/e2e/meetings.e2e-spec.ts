import type {
  EventResponseDto,
  EventWriteResponseDto,
  FreeBusyResponseDto,
  OccurrencePageDto,
  RsvpDto,
} from '@app/calendar';
import { AppConfig } from '@app/config';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser, uniqueAddress } from '../support/users';

const WINDOW = 'from=2027-05-01T00:00:00Z&to=2027-06-01T00:00:00Z';
/** The weekly meeting's month: apart from the other tests' meetings. */
const JULY = 'from=2027-07-01T00:00:00Z&to=2027-08-01T00:00:00Z';

/** Meetings (issue 16): one event, every attendee's own answer, seen on their own calendar. */
describe('meetings: organizer, attendees and RSVP against real FerretDB and Redis', () => {
  let config: AppConfig;
  let api: TestApi;
  let alex: TestUser; // organizer
  let bea: TestUser; // invited, has an account
  let carl: TestUser; // not invited

  beforeAll(async () => {
    config = await testConfig();
    api = await startTestApi(config);
    [alex, bea, carl] = await Promise.all([
      registerUser(api, { timeZone: 'UTC' }),
      registerUser(api, { timeZone: 'UTC' }),
      registerUser(api, { timeZone: 'UTC' }),
    ]);
  });
  afterAll(() => api?.close());

  const create = async (u: TestUser, json: Record<string, unknown>) => {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: u.token,
      json,
    });
    expect(res.status).toBe(201);
    return res.body.event;
  };
  const patch = (u: TestUser, id: string, json: Record<string, unknown>, query = '') =>
    api.request<EventWriteResponseDto>(`/v1/events/${id}${query}`, { method: 'PATCH', token: u.token, json });
  const rsvp = (u: TestUser, id: string, json: RsvpDto | Record<string, unknown>, query = '') =>
    api.request<EventResponseDto>(`/v1/events/${id}/rsvp${query}`, { method: 'POST', token: u.token, json });
  const get = (u: TestUser, id: string) =>
    api.request<EventResponseDto>(`/v1/events/${id}`, { token: u.token });
  const list = (u: TestUser, extra = '', window = WINDOW) =>
    api.request<OccurrencePageDto>(`/v1/events?${window}${extra}`, { token: u.token });
  const statusOf = (e: EventResponseDto, email: string) =>
    e.attendees.find((a) => a.email === email)?.responseStatus;

  it('A invites B: B sees it pending and on their calendar, accepts; A sees B accepted; a move resets B, a retitle does not; a cancel removes it', async () => {
    const meeting = await create(alex, {
      title: 'Planning',
      start: '2027-05-10T09:00:00Z',
      end: '2027-05-10T10:00:00Z',
      attendees: [bea.email.toUpperCase(), { email: 'guest@example.com', optional: true }],
    });
    expect(meeting.organizer).toEqual({ email: alex.email, self: true });
    expect(meeting.attendees).toEqual([
      { email: alex.email, optional: false, responseStatus: 'accepted', self: true },
      { email: bea.email, optional: false, responseStatus: 'needsAction', self: false },
      { email: 'guest@example.com', optional: true, responseStatus: 'needsAction', self: false },
    ]);
    expect(meeting.sequence).toBe(0);

    // B: pending in the invitations (listing upcoming ones) and in the default listing, with B's own status.
    const upcoming = await create(alex, {
      title: 'Upcoming',
      start: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      end: new Date(Date.now() + 2 * 86_400_000 + 1_800_000).toISOString(),
      attendees: [bea.email],
    });
    const invitations = await api.request<OccurrencePageDto>('/v1/invitations', { token: bea.token });
    expect(invitations.status).toBe(200);
    // Upcoming: from now for a year, soonest first.
    expect(invitations.body.items.map((o) => [o.seriesId, o.responseStatus])).toEqual([
      [upcoming.id, 'needsAction'],
      [meeting.id, 'needsAction'],
    ]);
    const beaList = await list(bea);
    expect(beaList.body.items).toEqual([
      expect.objectContaining({
        seriesId: meeting.id,
        calendarId: bea.id,
        title: 'Planning',
        responseStatus: 'needsAction',
        attendeeCount: 3,
      }),
    ]);
    expect((await list(bea, '&responseStatus=needsAction')).body.items.map((o) => o.seriesId)).toEqual([
      meeting.id,
    ]);
    expect((await list(bea, '&responseStatus=accepted')).body.items).toEqual([]);
    const asBea = await get(bea, meeting.id);
    expect(asBea.status).toBe(200);
    expect(asBea.body).toMatchObject({ calendarId: bea.id, responseStatus: 'needsAction' });
    expect(asBea.body.organizer).toEqual({ email: alex.email, self: false });
    expect(asBea.body.attendees.find((a) => a.self)?.email).toBe(bea.email);

    // B accepts (with a comment); A sees it, B's cached listing follows.
    const accepted = await rsvp(bea, meeting.id, { response: 'accepted', comment: 'Will be there' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.responseStatus).toBe('accepted');
    const asAlex = (await get(alex, meeting.id)).body;
    expect(asAlex.attendees[1]).toMatchObject({
      email: bea.email,
      responseStatus: 'accepted',
      comment: 'Will be there',
    });
    expect(asAlex.sequence).toBe(0); // an answer is not an organizer change
    expect((await list(bea)).body.items[0].responseStatus).toBe('accepted');

    // A retitles it: B's answer stands, SEQUENCE goes up.
    const retitled = await patch(alex, meeting.id, { title: 'Planning (Q3)' });
    expect(retitled.status).toBe(200);
    expect(statusOf(retitled.body.event, bea.email)).toBe('accepted');
    expect(retitled.body.event.sequence).toBe(1);
    expect((await list(bea)).body.items[0]).toMatchObject({
      title: 'Planning (Q3)',
      responseStatus: 'accepted',
    });

    // A moves it: B sees the new time and has to answer again; A stays accepted.
    const moved = await patch(alex, meeting.id, {
      start: '2027-05-11T09:00:00Z',
      end: '2027-05-11T10:00:00Z',
    });
    expect(moved.status).toBe(200);
    expect(moved.body.event.sequence).toBe(2);
    expect(statusOf(moved.body.event, alex.email)).toBe('accepted');
    expect(statusOf(moved.body.event, bea.email)).toBe('needsAction');
    expect((await list(bea)).body.items[0]).toMatchObject({
      start: '2027-05-11T09:00:00.000Z',
      responseStatus: 'needsAction',
    });

    // B may not change the meeting; a stranger may not answer it.
    const beaPatch = await api.request<ApiErrorBody>(`/v1/events/${meeting.id}`, {
      method: 'PATCH',
      token: bea.token,
      json: { title: 'Mine now' },
    });
    expect(beaPatch.status).toBe(403);
    expect(beaPatch.body.error.message).toMatch(/organizer/);
    const strangerRsvp = await api.request<ApiErrorBody>(`/v1/events/${meeting.id}/rsvp`, {
      method: 'POST',
      token: carl.token,
      json: { response: 'accepted' },
    });
    expect(strangerRsvp.status).toBe(404);
    expect((await get(carl, meeting.id)).status).toBe(404);
    expect((await get(alex, meeting.id)).body).toMatchObject({ title: 'Planning (Q3)', sequence: 2 });

    // A cancels: it leaves B's listing (B's cache too) and B's get.
    expect(
      (await api.request(`/v1/events/${meeting.id}`, { method: 'DELETE', token: alex.token })).status,
    ).toBe(204);
    expect((await list(bea)).body.items).toEqual([]);
    expect((await get(bea, meeting.id)).status).toBe(404);
  });

  it('B declines one occurrence of a weekly meeting: B is free then and busy at the others; deleting it declines it for B only', async () => {
    const weekly = await create(alex, {
      title: 'Weekly',
      start: '2027-07-05T14:00:00Z',
      end: '2027-07-05T15:00:00Z',
      timeZone: 'UTC',
      recurrence: 'FREQ=WEEKLY;COUNT=4',
      attendees: [bea.email],
    });
    const second = '2027-07-12T14:00:00.000Z';
    const declined = await rsvp(
      bea,
      weekly.id,
      { response: 'declined' },
      `?scope=this&occurrenceStart=${encodeURIComponent(second)}`,
    );
    expect(declined.status).toBe(200);
    const freeBusy = await api.request<FreeBusyResponseDto>(
      `/v1/availability/free-busy?${JULY}&emails=${encodeURIComponent(bea.email)}`,
      { token: bea.token },
    );
    expect(freeBusy.status).toBe(200);
    expect(freeBusy.body.people[0].busy?.map((b) => b.start)).toEqual([
      '2027-07-05T14:00:00.000Z',
      '2027-07-19T14:00:00.000Z',
      '2027-07-26T14:00:00.000Z',
    ]);
    // The organizer's side: one event, B declined that occurrence only, A's calendar still has all four.
    const asAlex = (await get(alex, weekly.id)).body;
    expect(statusOf(asAlex, bea.email)).toBe('needsAction');
    expect(asAlex.overrides).toEqual([
      expect.objectContaining({
        originalStart: second,
        attendees: expect.arrayContaining([
          expect.objectContaining({ email: bea.email, responseStatus: 'declined' }),
        ]),
      }),
    ]);
    expect((await list(alex, '', JULY)).body.items.filter((o) => o.seriesId === weekly.id)).toHaveLength(4);
    expect(
      (await list(bea, '', JULY)).body.items.filter((o) => o.seriesId === weekly.id).map((o) => o.start),
    ).toEqual(['2027-07-05T14:00:00.000Z', '2027-07-19T14:00:00.000Z', '2027-07-26T14:00:00.000Z']);

    // B deletes the meeting: a decline of the whole series — off B's calendar, still on A's.
    expect(
      (await api.request(`/v1/events/${weekly.id}`, { method: 'DELETE', token: bea.token })).status,
    ).toBe(204);
    expect((await list(bea, '', JULY)).body.items.filter((o) => o.seriesId === weekly.id)).toEqual([]);
    expect(
      (await list(bea, '&responseStatus=declined', JULY)).body.items.filter((o) => o.seriesId === weekly.id),
    ).toHaveLength(4);
    const after = (await get(alex, weekly.id)).body;
    expect(statusOf(after, bea.email)).toBe('declined');
    expect((await list(alex, '', JULY)).body.items.filter((o) => o.seriesId === weekly.id)).toHaveLength(4);
  });

  it('B answers tentative from the third occurrence on: the series splits, each part keeps its answers, A sees both', async () => {
    const august = 'from=2027-08-01T00:00:00Z&to=2027-09-01T00:00:00Z';
    const weekly = await create(alex, {
      title: 'Retro',
      start: '2027-08-02T14:00:00Z',
      end: '2027-08-02T15:00:00Z',
      timeZone: 'UTC',
      recurrence: 'FREQ=WEEKLY;COUNT=4',
      attendees: [bea.email],
    });
    expect((await rsvp(bea, weekly.id, { response: 'accepted' })).status).toBe(200);
    const third = '2027-08-16T14:00:00.000Z';
    const res = await rsvp(
      bea,
      weekly.id,
      { response: 'tentative' },
      `?scope=thisAndFollowing&occurrenceStart=${encodeURIComponent(third)}`,
    );
    expect(res.status).toBe(200);
    const answers = (u: TestUser) =>
      list(u, '', august).then((r) =>
        r.body.items.filter((o) => o.title === 'Retro').map((o) => [o.start, o.responseStatus]),
      );
    expect(await answers(bea)).toEqual([
      ['2027-08-02T14:00:00.000Z', 'accepted'],
      ['2027-08-09T14:00:00.000Z', 'accepted'],
      ['2027-08-16T14:00:00.000Z', 'tentative'],
      ['2027-08-23T14:00:00.000Z', 'tentative'],
    ]);
    // The organizer's calendar: all four, and Bea's answers on each part of the meeting.
    const alexSees = (await list(alex, '', august)).body.items.filter((o) => o.title === 'Retro');
    expect(alexSees).toHaveLength(4);
    const parts = [...new Set(alexSees.map((o) => o.seriesId))];
    expect(parts).toHaveLength(2);
    const beaOn = async (id: string) => statusOf((await get(alex, id)).body, bea.email);
    expect(await Promise.all(parts.map(beaOn))).toEqual(['accepted', 'tentative']);
  });

  it("importing a file invites its guests only when the importer organizes it: a copy of someone else's meeting lists them", async () => {
    const ics = (uid: string, organizer: string, title: string) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//meetings//EN',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20270101T000000Z',
        'DTSTART:20270601T090000Z',
        'DTEND:20270601T100000Z',
        `SUMMARY:${title}`,
        `ORGANIZER;CN=Someone:mailto:${organizer}`,
        `ATTENDEE;PARTSTAT=ACCEPTED;CN=Bea:mailto:${bea.email}`,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const importInto = (u: TestUser, text: string) =>
      api.request('/v1/events/import', {
        method: 'POST',
        token: u.token,
        body: text,
        headers: { 'content-type': 'text/calendar' },
      });
    expect((await importInto(carl, ics('copy@test', 'someone@example.com', 'Their meeting'))).status).toBe(
      200,
    );
    expect((await importInto(carl, ics('own@test', carl.email, 'Carl meeting'))).status).toBe(200);
    const june = 'from=2027-06-01T00:00:00Z&to=2027-06-02T00:00:00Z';
    const carlSees = (await list(carl, '', june)).body.items;
    expect(carlSees.map((o) => o.title).sort()).toEqual(['Carl meeting', 'Their meeting']);
    const copy = (await get(carl, carlSees.find((o) => o.title === 'Their meeting')!.seriesId)).body;
    expect(copy.organizer).toEqual({ email: 'someone@example.com', name: 'Someone', self: false });
    expect(copy.attendees).toEqual([
      { email: bea.email, name: 'Bea', optional: false, responseStatus: 'accepted', self: false },
    ]);
    // Bea is invited to Carl's own meeting only (with the answer the file recorded).
    expect((await list(bea, '', june)).body.items.map((o) => [o.title, o.responseStatus])).toEqual([
      ['Carl meeting', 'accepted'],
    ]);
  });

  it('refuses bad input with a 4xx naming the problem and changes nothing', async () => {
    const meeting = await create(alex, {
      title: 'Review',
      start: '2027-05-20T09:00:00Z',
      end: '2027-05-20T09:30:00Z',
      attendees: [bea.email],
    });
    const cases: [string, string, Record<string, unknown>, number, RegExp][] = [
      [
        'POST',
        '/v1/events',
        { title: 'X', start: '2027-05-20T09:00:00Z', attendees: ['not-an-email'] },
        400,
        /attendees/,
      ],
      [
        'POST',
        '/v1/events',
        {
          title: 'X',
          start: '2027-05-20T09:00:00Z',
          attendees: Array.from({ length: 201 }, () => uniqueAddress()),
        },
        400,
        /attendees.*200/,
      ],
      [
        'PATCH',
        `/v1/events/${meeting.id}`,
        { attendees: [{ email: bea.email, role: 'chair' }] },
        400,
        /attendees/,
      ],
      ['POST', `/v1/events/${meeting.id}/rsvp`, { response: 'maybe' }, 400, /response/],
      ['POST', `/v1/events/${meeting.id}/rsvp`, { response: 'needsAction' }, 400, /response/],
    ];
    for (const [method, path, json, status, message] of cases) {
      const res = await api.request<ApiErrorBody>(path, {
        method,
        token: path.endsWith('rsvp') ? bea.token : alex.token,
        json,
      });
      expect([path, res.status]).toEqual([path, status]);
      expect(res.text).toMatch(message);
    }
    const unchanged = (await get(alex, meeting.id)).body;
    expect(unchanged.version).toBe(meeting.version);
    expect(statusOf(unchanged, bea.email)).toBe('needsAction');
    expect((await list(alex)).body.items.map((o) => o.title)).not.toContain('X');
  });
});
