import type {
  EventWriteResponseDto,
  FeedCreatedResponseDto,
  FeedListResponseDto,
  OccurrencePageDto,
} from '@app/calendar';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';
import { createCalendar, createPrivateEvent, leaksSecret, share, unshare } from '../support/sharing';
import { registerUser, TestUser } from '../support/users';

/** The error of a refusal (typed: the happy-path DTO has none). */
const errorOf = (res: TestResponse<unknown>) => (res.body as ApiErrorBody).error;

const Y = new Date().getUTCFullYear() + 1;
const WINDOW = `from=${Y}-01-01T00:00:00Z&to=${Y}-07-01T00:00:00Z&limit=500`;

type Occurrence = OccurrencePageDto['items'][number];

/** What must survive a round trip; all-day occurrences are dates (they float to the owner's zone). */
const shape = (o: Occurrence) =>
  o.allDay
    ? `${o.startDate}/${o.endDate} all-day ${o.title} ${o.transparency}`
    : `${o.start}/${o.end} ${o.title} ${o.transparency} ${o.location ?? ''} ${o.description ?? ''}`;

describe('iCalendar export, import and feeds against real FerretDB and Redis', () => {
  let api: TestApi;
  let alice: TestUser; // America/New_York
  let bob: TestUser; // Europe/Berlin

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    alice = await registerUser(api, { timeZone: 'America/New_York' });
    bob = await registerUser(api, { timeZone: 'Europe/Berlin' });

    const create = async (json: Record<string, unknown>) => {
      const res = await api.request<EventWriteResponseDto>('/v1/events', {
        method: 'POST',
        json,
        token: alice.token,
      });
      expect(res.status).toBe(201);
      return res.body.event;
    };
    // Weekly on Tuesdays at 09:00 New York across the March DST change, with an EXDATE, a moved and
    // retitled occurrence and a cancelled one.
    const standup = await create({
      title: 'Standup',
      start: `${Y}-03-02T09:00`,
      end: `${Y}-03-02T09:30`,
      recurrence: 'FREQ=WEEKLY;BYDAY=TU;COUNT=6',
      exdates: [`${Y}-03-09T09:00`],
      reminders: [10, 60],
    });
    const occurrence = (date: string) =>
      new Date(`${date}T09:00:00-0${date > `${Y}-03-14` ? 4 : 5}:00`).toISOString();
    const moved = await api.request(
      `/v1/events/${standup.id}?scope=this&occurrenceStart=${encodeURIComponent(occurrence(`${Y}-03-16`))}`,
      {
        method: 'PATCH',
        token: alice.token,
        json: { start: `${Y}-03-16T11:00`, end: `${Y}-03-16T12:00`, title: 'Standup (moved)' },
      },
    );
    expect(moved.status).toBe(200);
    const cancelled = await api.request(
      `/v1/events/${standup.id}?scope=this&occurrenceStart=${encodeURIComponent(occurrence(`${Y}-03-23`))}`,
      { method: 'DELETE', token: alice.token },
    );
    expect(cancelled.status).toBe(204);
    // Daily in Berlin across the European DST change, ending with UNTIL.
    await create({
      title: 'Berlin daily',
      start: `${Y}-03-26T08:00`,
      end: `${Y}-03-26T08:15`,
      timeZone: 'Europe/Berlin',
      recurrence: `FREQ=DAILY;UNTIL=${Y}0330T235959Z`,
    });
    await create({ title: 'Conference', start: `${Y}-04-10`, end: `${Y}-04-12`, allDay: true });
    await create({
      title: 'Lunch, with Sam; and "friends"',
      start: `${Y}-04-20T12:00`,
      end: `${Y}-04-20T13:00`,
      transparency: 'transparent',
      description: 'Line one\nLine two, with a comma',
      location: 'Café Müller',
      attendees: ['sam@example.com', 'kim@example.com'],
    });
    await create({
      title: 'Last Friday review',
      start: `${Y}-01-29T16:00`,
      end: `${Y}-01-29T17:00`,
      recurrence: 'FREQ=MONTHLY;BYDAY=-1FR;COUNT=5',
    });
    await create({
      title: 'UTC call',
      start: `${Y}-05-05T15:00:00Z`,
      end: `${Y}-05-05T15:45:00Z`,
      timeZone: 'UTC',
      recurrence: 'FREQ=WEEKLY;COUNT=3',
    });
  });
  afterAll(() => api?.close());

  const exportOf = (user: TestUser) => api.request('/v1/calendar.ics', { token: user.token });
  const importInto = (user: TestUser, text: string) =>
    api.request('/v1/events/import', {
      method: 'POST',
      token: user.token,
      body: text,
      headers: { 'content-type': 'text/calendar' },
    });
  const occurrencesOf = async (user: TestUser) => {
    const res = await api.request<OccurrencePageDto>(`/v1/events?${WINDOW}`, { token: user.token });
    expect(res.status).toBe(200);
    return res.body.items.map(shape);
  };

  it('exports RFC 5545 with TZID and VTIMEZONE, RRULE, EXDATE, RECURRENCE-ID, VALARM, ATTENDEE and TRANSP', async () => {
    const res = await exportOf(alice);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    const text = res.text;
    expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75 + 1)).toBe(true); // folded
    const unfolded = text.replace(/\r\n[ \t]/g, '');
    for (const expected of [
      'VERSION:2.0',
      'BEGIN:VTIMEZONE\r\nTZID:America/New_York',
      'TZID:Europe/Berlin',
      `DTSTART;TZID=America/New_York:${Y}0302T090000`,
      'RRULE:FREQ=WEEKLY;COUNT=6;BYDAY=TU',
      `EXDATE;TZID=America/New_York:${Y}0309T090000,${Y}0323T090000`,
      `RECURRENCE-ID;TZID=America/New_York:${Y}0316T090000`,
      `DTSTART;TZID=America/New_York:${Y}0316T110000`,
      'SUMMARY:Standup (moved)',
      `RRULE:FREQ=DAILY;UNTIL=${Y}0330T235959Z`,
      `DTSTART;VALUE=DATE:${Y}0410`,
      `DTEND;VALUE=DATE:${Y}0412`,
      'SUMMARY:Lunch\\, with Sam\\; and "friends"',
      'DESCRIPTION:Line one\\nLine two\\, with a comma',
      'LOCATION:Café Müller',
      // The organizer (the calendar's owner) is listed, accepted; the guests have yet to answer.
      `ORGANIZER:mailto:${alice.email}`,
      `ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:${alice.email}`,
      'ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:sam@example.com',
      'TRANSP:TRANSPARENT',
      'BEGIN:VALARM\r\nACTION:DISPLAY',
      'TRIGGER:-PT10M',
      'TRIGGER:-PT1H',
      `DTSTART:${Y}0505T150000Z`,
    ]) {
      expect(unfolded).toContain(expected);
    }
    expect(text).toMatch(/UID:[0-9a-f]{24}@calendar-assistant/);
  });

  it('round-trips into another account: the same events, occurrences and times (DST series included)', async () => {
    const exported = (await exportOf(alice)).text;
    const imported = await importInto(bob, exported);
    expect(imported.status).toBe(200);
    expect(imported.body).toEqual({ created: 6, updated: 0, skipped: [] });

    const before = await occurrencesOf(alice);
    const after = await occurrencesOf(bob);
    expect(after).toEqual(before);
    // Spot checks: the weekly 09:00 stays 09:00 New York on both sides of the change (14:00Z then 13:00Z).
    expect(before).toContain(`${Y}-03-02T14:00:00.000Z/${Y}-03-02T14:30:00.000Z Standup opaque  `);
    expect(before).toContain(`${Y}-03-30T13:00:00.000Z/${Y}-03-30T13:30:00.000Z Standup opaque  `);
    expect(before).toContain(`${Y}-03-16T15:00:00.000Z/${Y}-03-16T16:00:00.000Z Standup (moved) opaque  `);
    expect(before.filter((o) => o.includes('Standup'))).toHaveLength(4); // 6 minus the EXDATE and the cancelled one
    expect(before.filter((o) => o.includes('Berlin daily'))).toHaveLength(5);
    expect(before).toContain(`${Y}-03-28T06:00:00.000Z/${Y}-03-28T06:15:00.000Z Berlin daily opaque  `); // 08:00 CEST

    // The same UIDs on both sides.
    const uids = async (user: TestUser) =>
      ((await api.request('/v1/events/sync', { token: user.token })).body.items as { uid: string }[])
        .map((e) => e.uid)
        .sort();
    expect(await uids(bob)).toEqual(await uids(alice));

    // Exporting the imported copy gives the same events again: importing it back into the original changes nothing.
    const back = await importInto(alice, (await exportOf(bob)).text);
    expect(back.body).toMatchObject({ created: 0, updated: 0 });
    expect(back.body.skipped).toHaveLength(6);
  });

  it('is idempotent by UID: the same file twice creates nothing new; a changed event is updated', async () => {
    const carol = await registerUser(api, { timeZone: 'Europe/Berlin' });
    const text = (await exportOf(alice)).text;
    expect((await importInto(carol, text)).body).toMatchObject({ created: 6, updated: 0 });
    const second = await importInto(carol, text);
    expect(second.status).toBe(200);
    expect(second.body.created).toBe(0);
    expect(second.body.updated).toBe(0);
    expect(second.body.skipped).toEqual(
      expect.arrayContaining([expect.objectContaining({ reason: 'unchanged' })]),
    );
    expect(second.body.skipped).toHaveLength(6);

    const changed = text
      .replace('SUMMARY:Conference', 'SUMMARY:Conference (day 2 moved)')
      .replace(/SEQUENCE:0\r\nSUMMARY:Conference/, 'SEQUENCE:1\r\nSUMMARY:Conference');
    const third = await importInto(carol, changed);
    expect(third.body).toMatchObject({ created: 0, updated: 1 });
    expect(await occurrencesOf(carol)).toContain(
      `${Y}-04-10/${Y}-04-12 all-day Conference (day 2 moved) opaque`,
    );
    expect((await api.request(`/v1/events?${WINDOW}`, { token: carol.token })).body.items).toHaveLength(
      (await occurrencesOf(alice)).length,
    );
  });

  it('refuses a malformed file with 400 naming the line or UID, and imports nothing', async () => {
    const dave = await registerUser(api, { timeZone: 'Europe/Berlin' });
    const event = (uid: string, dtstart: string) => [
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20260101T000000Z',
      `DTSTART:${dtstart}`,
      'SUMMARY:Hello',
      'END:VEVENT',
    ];
    const file = (...lines: string[]) =>
      ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');

    const badLine = await importInto(
      dave,
      file(
        ...event('good-1@test', `${Y}0601T100000Z`),
        'THIS IS NOT A CONTENT LINE',
        ...event('good-2@test', `${Y}0602T100000Z`),
      ),
    );
    expect(badLine.status).toBe(400);
    expect(badLine.body.error.message).toContain('line 10');
    expect(badLine.body.error.details).toEqual([expect.objectContaining({ line: 10 })]);

    const badEvent = await importInto(
      dave,
      file(...event('good-1@test', `${Y}0601T100000Z`), ...event('broken@test', `${Y}0631T250000Z`)),
    );
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.error.message).toContain('broken@test');

    const noUid = await importInto(dave, file('BEGIN:VEVENT', `DTSTART:${Y}0601T100000Z`, 'END:VEVENT'));
    expect(noUid.status).toBe(400);
    expect(noUid.body.error.message).toMatch(/line 4.*UID/);

    const unclosed = await importInto(
      dave,
      ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:x', 'END:VCALENDAR'].join('\r\n'),
    );
    expect(unclosed.status).toBe(400);
    expect(unclosed.body.error.message).toContain('line 5');

    const json = await api.request('/v1/events/import', {
      method: 'POST',
      token: dave.token,
      json: { hello: 1 },
    });
    expect(json.status).toBe(415);
    const huge = await importInto(
      dave,
      file(...event('big@test', `${Y}0601T100000Z`)).replace(
        'SUMMARY:Hello',
        `DESCRIPTION:${'x'.repeat(2_100_000)}`,
      ),
    );
    expect(huge.status).toBe(413);

    expect((await api.request(`/v1/events?${WINDOW}`, { token: dave.token })).body.items).toEqual([]);
    const metrics = await api.request('/metrics');
    expect(metrics.text).toMatch(/ics_imports_total\{outcome="invalid"\} [1-9]/);
    expect(metrics.text).toMatch(/ics_imports_total\{outcome="success"\} [1-9]/);
  });

  it('imports files from other calendars: Windows zone names, floating times, DURATION, overrides; skips what it cannot represent', async () => {
    const erin = await registerUser(api, { timeZone: 'Europe/Berlin' });
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN',
      'BEGIN:VTIMEZONE',
      'TZID:W. Europe Standard Time',
      'BEGIN:STANDARD',
      'DTSTART:16011028T030000',
      'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:16010325T020000',
      'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:weekly-outlook',
      `DTSTART;TZID="W. Europe Standard Time":${Y}0322T100000`,
      'DURATION:PT45M',
      `RRULE:FREQ=WEEKLY;UNTIL=${Y}0412T080000Z`,
      `EXDATE;TZID="W. Europe Standard Time":${Y}0329T100000`,
      'SUMMARY:Planning',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'TRIGGER;RELATED=START:-PT15M',
      'END:VALARM',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:weekly-outlook',
      `RECURRENCE-ID;TZID="W. Europe Standard Time":${Y}0405T100000`,
      `DTSTART;TZID="W. Europe Standard Time":${Y}0405T140000`,
      `DTEND;TZID="W. Europe Standard Time":${Y}0405T150000`,
      'SUMMARY:Planning (afternoon)',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:floating',
      `DTSTART:${Y}0501T090000`,
      `DTEND:${Y}0501T100000`,
      'SUMMARY:Floating',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:holiday',
      `DTSTART;VALUE=DATE:${Y}0501`,
      'TRANSP:TRANSPARENT',
      'SUMMARY:Holiday',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:rdate',
      `DTSTART:${Y}0601T090000Z`,
      `RDATE:${Y}0605T090000Z`,
      'SUMMARY:Extra dates',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:cancelled',
      `DTSTART:${Y}0602T090000Z`,
      'STATUS:CANCELLED',
      'SUMMARY:Gone',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const res = await importInto(erin, text);
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(3);
    expect(res.body.skipped.map((s: { uid: string }) => s.uid).sort()).toEqual(['cancelled', 'rdate']);
    const items = await occurrencesOf(erin);
    expect(items).toEqual([
      `${Y}-03-22T09:00:00.000Z/${Y}-03-22T09:45:00.000Z Planning opaque  `, // 10:00 CET
      `${Y}-04-05T12:00:00.000Z/${Y}-04-05T13:00:00.000Z Planning (afternoon) opaque  `, // 14:00 CEST
      `${Y}-04-12T08:00:00.000Z/${Y}-04-12T08:45:00.000Z Planning opaque  `, // 10:00 CEST, the UNTIL itself
      `${Y}-05-01/${Y}-05-02 all-day Holiday transparent`,
      `${Y}-05-01T07:00:00.000Z/${Y}-05-01T08:00:00.000Z Floating opaque  `, // floating: the owner's zone
    ]);
    const planning = (await api.request('/v1/events/sync', { token: erin.token })).body.items.find(
      (e: { uid: string }) => e.uid === 'weekly-outlook',
    );
    expect(planning).toMatchObject({ timeZone: 'Europe/Berlin', reminders: [15] });
  });

  describe('feeds', () => {
    const feedPath = (url: string) => new URL(url).pathname;

    it('a full feed works without login; a free/busy feed shows busy times without titles or details', async () => {
      const full = await api.request<FeedCreatedResponseDto>('/v1/feeds', {
        method: 'POST',
        token: alice.token,
        json: { kind: 'full' },
      });
      expect(full.status).toBe(201);
      expect(full.body.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/feeds\/[A-Za-z0-9_-]{43}\.ics$/);
      const fullFeed = await api.request(feedPath(full.body.url));
      expect(fullFeed.status).toBe(200);
      expect(fullFeed.headers.get('content-type')).toMatch(/^text\/calendar/);
      expect(fullFeed.text).toContain('SUMMARY:Standup');
      expect(fullFeed.text).toContain('LOCATION:Café Müller');

      const busy = await api.request<FeedCreatedResponseDto>('/v1/feeds', {
        method: 'POST',
        token: alice.token,
        json: { kind: 'freebusy', name: 'team' },
      });
      const busyFeed = await api.request(feedPath(busy.body.url));
      expect(busyFeed.status).toBe(200);
      const summaries = busyFeed.text.match(/^SUMMARY:.*$/gm) ?? [];
      expect(summaries.length).toBeGreaterThan(0);
      expect(new Set(summaries)).toEqual(new Set(['SUMMARY:Busy']));
      for (const secret of [
        'Standup',
        'Conference',
        'Lunch',
        '\nDESCRIPTION',
        '\nLOCATION',
        '\nATTENDEE',
        'VALARM',
        '@calendar-assistant\r\n',
      ]) {
        expect({ secret, found: busyFeed.text.includes(secret) }).toEqual({ secret, found: false });
      }
      expect(busyFeed.text).toContain(`EXDATE;TZID=America/New_York:${Y}0309T090000`);
      expect(busyFeed.text).toContain(`RECURRENCE-ID;TZID=America/New_York:${Y}0316T090000`);
      // The transparent lunch is not busy, so it is not in the feed at all.
      expect(busyFeed.text).not.toContain(`${Y}0420T120000`);

      const list = await api.request<FeedListResponseDto>('/v1/feeds', { token: alice.token });
      expect(list.body.items).toHaveLength(2);
      expect(JSON.stringify(list.body)).not.toContain(feedPath(full.body.url).slice(7, 50));
      expect(list.body.items.find((f) => f.kind === 'full')!.lastUsedAt).not.toBeNull();
    });

    it('a revoked feed answers 404, as does an unknown token', async () => {
      const feed = await api.request<FeedCreatedResponseDto>('/v1/feeds', {
        method: 'POST',
        token: bob.token,
        json: { kind: 'full' },
      });
      const path = feedPath(feed.body.url);
      expect((await api.request(path)).status).toBe(200);
      expect(
        (await api.request(`/v1/feeds/${feed.body.id}`, { method: 'DELETE', token: alice.token })).status,
      ).toBe(404);
      expect(
        (await api.request(`/v1/feeds/${feed.body.id}`, { method: 'DELETE', token: bob.token })).status,
      ).toBe(204);
      expect((await api.request(path)).status).toBe(404);
      expect((await api.request(`/feeds/${'A'.repeat(43)}.ics`)).status).toBe(404);
      expect((await api.request('/feeds/nonsense')).status).toBe(404);
      expect((await api.request('/v1/feeds', { token: bob.token })).body.items).toEqual([]);
    });
  });

  describe('of a shared calendar', () => {
    let owner: TestUser;
    let writer: TestUser;
    let reader: TestUser;
    let freeBusy: TestUser;
    let stranger: TestUser;
    let team: string;
    let readerRule: string;
    let freeBusyRule: string;
    const feedPath = (url: string) => new URL(url).pathname;
    const exportOfTeam = (user: TestUser) =>
      api.request(`/v1/calendars/${team}/calendar.ics`, { token: user.token });
    const importTeam = (user: TestUser, text: string, calendarId = team) =>
      api.request(`/v1/events/import?calendarId=${calendarId}`, {
        method: 'POST',
        token: user.token,
        body: text,
        headers: { 'content-type': 'text/calendar' },
      });
    const feedOf = (user: TestUser, json: Record<string, unknown>) =>
      api.request<FeedCreatedResponseDto>('/v1/feeds', { method: 'POST', token: user.token, json });
    const teamTitles = async () =>
      (
        (await api.request(`/v1/events/sync?calendarId=${team}`, { token: owner.token })).body.items as {
          title: string;
        }[]
      )
        .map((e) => e.title)
        .sort();
    const vevent = (uid: string, title: string) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20260101T000000Z',
        `DTSTART:${Y}0610T090000Z`,
        `DTEND:${Y}0610T100000Z`,
        `SUMMARY:${title}`,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');

    beforeAll(async () => {
      [owner, writer, reader, freeBusy, stranger] = await Promise.all(
        [0, 1, 2, 3, 4].map(() => registerUser(api, { timeZone: 'UTC' })),
      );
      team = await createCalendar(api, owner);
      await share(api, owner, team, writer, 'writer');
      readerRule = await share(api, owner, team, reader, 'reader');
      freeBusyRule = await share(api, owner, team, freeBusy, 'freeBusyReader');
      await createPrivateEvent(api, owner, team, `${Y}-06-01T09:00`);
      const open = await api.request('/v1/events', {
        method: 'POST',
        token: owner.token,
        json: { calendarId: team, title: 'Team lunch', start: `${Y}-06-02T12:00` },
      });
      expect(open.status).toBe(201);
    });

    it('exports by role: everything to the owner, private events as busy to a reader, free/busy only to a freeBusyReader, 404 to a stranger', async () => {
      const mine = await exportOfTeam(owner);
      expect(mine.status).toBe(200);
      expect(mine.headers.get('content-type')).toMatch(/^text\/calendar/);
      expect(leaksSecret(mine.text)).toBe(true);
      expect(mine.text).toContain('SUMMARY:Team lunch');
      // `primary` is the caller's own calendar, as at /v1/calendar.ics.
      const primary = await api.request('/v1/calendars/primary/calendar.ics', { token: alice.token });
      expect(primary.status).toBe(200);
      expect(primary.text).toContain('SUMMARY:Standup');

      const theirs = await exportOfTeam(reader);
      expect(theirs.status).toBe(200);
      expect(leaksSecret(theirs.text)).toBe(false);
      expect(theirs.text).toContain('SUMMARY:Team lunch');
      expect(theirs.text).toContain('SUMMARY:Busy');

      const busy = await exportOfTeam(freeBusy);
      expect(busy.status).toBe(200);
      expect(leaksSecret(busy.text)).toBe(false);
      expect(new Set(busy.text.match(/^SUMMARY:.*$/gm))).toEqual(new Set(['SUMMARY:Busy']));
      expect(busy.text.match(/^BEGIN:VEVENT/gm)).toHaveLength(2);
      expect(busy.text).not.toContain('@calendar-assistant\r\n'); // no event's real UID

      const none = await exportOfTeam(stranger);
      expect(none.status).toBe(404);
      expect(leaksSecret(none.text)).toBe(false);
      // The same answer as for a calendar that does not exist.
      const missing = await api.request('/v1/calendars/ffffffffffffffffffffffff/calendar.ics', {
        token: stranger.token,
      });
      const answer = (r: TestResponse<unknown>) => ({ status: r.status, message: errorOf(r)?.message });
      expect(answer(missing)).toEqual(answer(none));
    });

    it('imports into a calendar with ?calendarId= for a writer; 403 naming writer below it, 404 without a role, nothing imported', async () => {
      const before = await teamTitles();
      for (const [user, status] of [
        [reader, 403],
        [freeBusy, 403],
        [stranger, 404],
      ] as const) {
        const res = await importTeam(user, vevent(`refused-${status}@example.com`, 'Refused'));
        expect({ status: res.status }).toEqual({ status });
        if (status === 403) expect(errorOf(res).message).toContain('writer');
      }
      expect(await teamTitles()).toEqual(before);
      expect((await importTeam(stranger, vevent('x@example.com', 'x'), 'nope')).status).toBe(400);

      const written = await importTeam(writer, vevent('planning@example.com', 'Planning'));
      expect({ status: written.status, body: written.body }).toEqual({
        status: 200,
        body: { created: 1, updated: 0, skipped: [] },
      });
      expect(await teamTitles()).toEqual([...before, 'Planning'].sort());
      // The writer's own primary did not get it.
      const own = await api.request(`/v1/events/sync`, { token: writer.token });
      expect(own.body.items).toEqual([]);
    });

    it("serves a feed of the calendar only while its creator keeps the role; a reader's feed shows private events as busy", async () => {
      const readerFeed = await feedOf(reader, { kind: 'full', calendarId: team });
      expect(readerFeed.status).toBe(201);
      expect(readerFeed.body.calendarId).toBe(team);
      const readerPath = feedPath(readerFeed.body.url);
      const served = await api.request(readerPath);
      expect(served.status).toBe(200);
      expect(served.text).toContain('SUMMARY:Team lunch');
      expect(leaksSecret(served.text)).toBe(false);

      const refused = await feedOf(freeBusy, { kind: 'full', calendarId: team });
      expect({ status: refused.status, code: errorOf(refused)?.code }).toEqual({
        status: 403,
        code: 'forbidden',
      });
      expect(errorOf(refused).message).toContain('reader');
      expect((await feedOf(stranger, { kind: 'freebusy', calendarId: team })).status).toBe(404);
      const busyFeed = await feedOf(freeBusy, { kind: 'freebusy', calendarId: team });
      expect(busyFeed.status).toBe(201);
      const busyPath = feedPath(busyFeed.body.url);
      const busy = await api.request(busyPath);
      expect(busy.status).toBe(200);
      expect(leaksSecret(busy.text)).toBe(false);
      expect(busy.text).not.toContain('Team lunch');

      // The owner's feed of the same calendar has everything; their default feed is their primary.
      const ownerFeed = await feedOf(owner, { kind: 'full', calendarId: team });
      expect(leaksSecret((await api.request(feedPath(ownerFeed.body.url))).text)).toBe(true);
      expect((await feedOf(owner, { kind: 'full' })).body.calendarId).toBe(owner.id);

      await unshare(api, owner, team, readerRule);
      const gone = await api.request(readerPath);
      expect(gone.status).toBe(404);
      expect(leaksSecret(gone.text)).toBe(false);
      // Revoking the reader leaves the freeBusyReader's feed alone, until theirs goes too.
      expect((await api.request(busyPath)).status).toBe(200);
      await unshare(api, owner, team, freeBusyRule);
      expect((await api.request(busyPath)).status).toBe(404);
      // And the revoked reader's export is a 404 on the next request.
      expect((await exportOfTeam(reader)).status).toBe(404);
    });
  });
});
