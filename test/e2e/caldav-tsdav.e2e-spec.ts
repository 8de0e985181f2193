import { DAVCalendar, DAVClient } from 'tsdav';
import type { EventWriteResponseDto, OccurrencePageDto } from '@app/calendar';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { createAppPassword, registerUser, TestUser } from '../support/users';

const WINDOW = 'from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z';

const vevent = (uid: string, summary: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//tsdav interop test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20270101T000000Z',
    'DTSTART:20270315T140000Z',
    'DTEND:20270315T150000Z',
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

/**
 * Interoperability with tsdav (a CalDAV client from npm nobody on this project wrote): discovery
 * from the server's root URL, pulling events made through the API, creating, editing and deleting
 * on the client side, a change through the API seen at the next sync, and a concurrent edit's 412.
 */
describe('CalDAV interop: tsdav', () => {
  let api: TestApi;
  let user: TestUser;
  let client: DAVClient;
  let calendar: DAVCalendar;

  const titles = async () =>
    (await api.request<OccurrencePageDto>(`/v1/events?${WINDOW}`, { token: user.token })).body.items.map(
      (o) => o.title,
    );

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    user = await registerUser(api);
    const { password } = await createAppPassword(api, user, { name: 'tsdav' });
    const before = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title: 'Made in the API', start: '2027-03-10T09:00' },
    });
    expect(before.status).toBe(201);
    client = new DAVClient({
      serverUrl: api.baseUrl,
      credentials: { username: user.email, password },
      authMethod: 'Basic',
      defaultAccountType: 'caldav',
    });
    await client.login();
  });
  afterAll(() => api?.close());

  it('discovers the calendars from the server URL and pulls the events made through the API', async () => {
    const calendars = await client.fetchCalendars();
    expect(calendars.map((c) => new URL(c.url).pathname)).toEqual([`/dav/calendars/${user.id}/${user.id}/`]);
    calendar = calendars[0];
    expect(calendar.components).toEqual(['VEVENT']);
    const objects = await client.fetchCalendarObjects({ calendar });
    expect(objects).toHaveLength(1);
    expect(objects[0].data).toContain('SUMMARY:Made in the API');
    expect(objects[0].etag).toBe('"1"');
  });

  it('creates, edits and deletes on the client side, each seen in the API; a stale edit gets 412', async () => {
    const created = await client.createCalendarObject({
      calendar,
      filename: 'tsdav-1.ics',
      iCalString: vevent('tsdav-1', 'From tsdav'),
    });
    expect(created.status).toBe(201);
    expect(await titles()).toEqual(expect.arrayContaining(['From tsdav']));

    const [object] = await client.fetchCalendarObjects({
      calendar,
      objectUrls: [new URL('tsdav-1.ics', calendar.url).href],
    });
    expect(object.etag).toBe('"1"');
    const updated = await client.updateCalendarObject({
      calendarObject: { url: object.url, etag: object.etag, data: vevent('tsdav-1', 'Edited in tsdav') },
    });
    expect(updated.status).toBe(204);
    expect(await titles()).toEqual(expect.arrayContaining(['Edited in tsdav']));

    // Another device still holds the first ETag.
    const stale = await client.updateCalendarObject({
      calendarObject: { url: object.url, etag: object.etag, data: vevent('tsdav-1', 'Lost update') },
    });
    expect(stale.status).toBe(412);
    expect(await titles()).not.toContain('Lost update');

    const deleted = await client.deleteCalendarObject({ calendarObject: { url: object.url, etag: '"2"' } });
    expect(deleted.status).toBe(204);
    expect(await titles()).not.toContain('Edited in tsdav');
  });

  it("edits one occurrence of a recurring event (an override with RECURRENCE-ID): the API shows that occurrence's exception", async () => {
    const series = vevent('tsdav-weekly', 'Weekly from tsdav')
      .replace('DTSTART:20270315T140000Z', 'DTSTART:20270302T140000Z')
      .replace('DTEND:20270315T150000Z', 'DTEND:20270302T150000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3');
    const created = await client.createCalendarObject({
      calendar,
      filename: 'tsdav-weekly.ics',
      iCalString: series,
    });
    expect(created.status).toBe(201);
    const [object] = await client.fetchCalendarObjects({
      calendar,
      objectUrls: [new URL('tsdav-weekly.ics', calendar.url).href],
    });
    // What a calendar app does: the stored object as fetched, plus one VEVENT for the changed occurrence.
    const override = [
      'BEGIN:VEVENT',
      'UID:tsdav-weekly',
      'DTSTAMP:20270102T000000Z',
      'RECURRENCE-ID:20270309T140000Z',
      'DTSTART:20270309T160000Z',
      'DTEND:20270309T170000Z',
      'SUMMARY:Moved in tsdav',
      'END:VEVENT',
    ].join('\r\n');
    const edited = String(object.data).replace(/END:VCALENDAR\r?\n?$/, `${override}\r\nEND:VCALENDAR\r\n`);
    const updated = await client.updateCalendarObject({
      calendarObject: { url: object.url, etag: object.etag, data: edited },
    });
    expect(updated.status).toBe(204);
    const items = (
      await api.request<OccurrencePageDto>(`/v1/events?${WINDOW}`, { token: user.token })
    ).body.items.filter((o) => o.title.includes('tsdav') && o.title !== 'From tsdav');
    expect(items.map((o) => [o.originalStart, o.start, o.title, o.overridden])).toEqual([
      ['2027-03-02T14:00:00.000Z', '2027-03-02T14:00:00.000Z', 'Weekly from tsdav', false],
      ['2027-03-09T14:00:00.000Z', '2027-03-09T16:00:00.000Z', 'Moved in tsdav', true],
      ['2027-03-16T14:00:00.000Z', '2027-03-16T14:00:00.000Z', 'Weekly from tsdav', false],
    ]);
  });

  it('sees a change made through the API at its next sync', async () => {
    const [before] = await client.fetchCalendars();
    const made = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title: 'Later in the API', start: '2027-03-20T09:00' },
    });
    expect(made.status).toBe(201);
    const dirty = await client.isCollectionDirty({ collection: before });
    expect(dirty.isDirty).toBe(true);
    const synced = await client.syncCalendars({ oldCalendars: [before], detailedResult: true });
    const changed = 'updated' in synced ? synced.updated : [];
    expect(changed.map((c) => new URL(c.url).pathname)).toEqual([`/dav/calendars/${user.id}/${user.id}/`]);
    const objects = await client.fetchCalendarObjects({ calendar: changed[0] });
    expect(objects.map((o) => o.data)).toEqual(
      expect.arrayContaining([expect.stringContaining('SUMMARY:Later in the API')]),
    );
  });
});
