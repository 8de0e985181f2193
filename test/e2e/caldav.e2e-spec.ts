import { request as httpRequest } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { MongoClient } from 'mongodb';
import type { AppPasswordListResponseDto } from '@app/identity';
import type { EventResponseDto, EventWriteResponseDto } from '@app/calendar';
import { AppConfig } from '@app/config';
import { AuditService } from '@app/audit';
import { createCalendar, share } from '../support/sharing';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { createAppPassword, registerUser, TestUser } from '../support/users';
import { waitFor } from '../support/eventually';
import { Receiver } from '../support/webhook-receiver';

const CALDAV = 'urn:ietf:params:xml:ns:caldav';
const PROPFIND_CALENDARS = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="${CALDAV}" xmlns:cs="http://calendarserver.org/ns/" xmlns:ic="http://apple.com/ns/ical/">
  <d:prop><d:resourcetype/><d:displayname/><ic:calendar-color/><c:calendar-timezone/>
  <c:supported-calendar-component-set/><cs:getctag/><d:sync-token/><d:current-user-privilege-set/><x:unknown xmlns:x="urn:x"/></d:prop>
</d:propfind>`;

/** A one-event iCalendar object with this UID (and optional extra lines in the VEVENT). */
const vevent = (uid: string, summary = 'Dentist', extra = '') =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//caldav e2e//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20270101T000000Z',
    'DTSTART:20270310T090000Z',
    'DTEND:20270310T100000Z',
    `SUMMARY:${summary}`,
    ...(extra ? [extra] : []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

/**
 * A weekly series in New York (4 Mondays from 2027-03-01 09:00, the 8th excluded, the 15th moved to
 * 11:00), with the calendar's own VTIMEZONE lines.
 */
const weeklySeries = (uid: string, vtimezone: string[]) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//caldav e2e//EN',
    ...vtimezone,
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20270101T000000Z',
    'DTSTART;TZID=America/New_York:20270301T090000',
    'DTEND;TZID=America/New_York:20270301T093000',
    'RRULE:FREQ=WEEKLY;COUNT=4',
    'EXDATE;TZID=America/New_York:20270308T090000',
    'SUMMARY:Weekly',
    'END:VEVENT',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20270101T000000Z',
    'RECURRENCE-ID;TZID=America/New_York:20270315T090000',
    'DTSTART;TZID=America/New_York:20270315T110000',
    'DTEND;TZID=America/New_York:20270315T113000',
    'SUMMARY:Weekly (moved)',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

interface DavUser extends TestUser {
  password: string;
}

type Json = Record<string, unknown>;
const xml = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  isArray: (name) => ['response', 'propstat', 'privilege', 'href'].includes(name),
});

/** The CalDAV server against real FerretDB and Redis: discovery, reads, writes, reports, refusals. */
describe('CalDAV (/dav/) with app passwords', () => {
  let config: AppConfig;
  let api: TestApi;
  let alice: DavUser;

  const appPassword = (u: TestUser, json: Parameters<typeof createAppPassword>[2] = { name: 'phone' }) =>
    createAppPassword(api, u, json);
  const davUser = async (): Promise<DavUser> => {
    const u = await registerUser(api);
    return { ...u, password: (await appPassword(u)).password };
  };
  const basic = (email: string, password: string) =>
    `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
  const dav = (
    method: string,
    path: string,
    opts: { user?: DavUser | null; body?: string; headers?: Record<string, string>; auth?: string } = {},
  ) => {
    const headers: Record<string, string> = { ...opts.headers };
    const user = opts.user === undefined ? alice : opts.user;
    if (opts.auth) headers.authorization = opts.auth;
    else if (user) headers.authorization = basic(user.email, user.password);
    if (opts.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/xml; charset=utf-8';
    return api.request<string>(path, { method, headers, body: opts.body });
  };
  const parsed = (text: string) => xml.parse(text) as Json;
  const responses = (text: string) =>
    ((parsed(text).multistatus as Json)?.response as Json[] | undefined) ?? [];
  const hrefs = (text: string) => responses(text).map((r) => (r.href as string[])[0]);
  /** The props with status 200 of the response for `href`. */
  const propsOf = (text: string, href: string): Json => {
    const response = responses(text).find((r) => (r.href as string[])[0] === href);
    const ok = (response?.propstat as Json[] | undefined)?.find((p) => String(p.status).includes(' 200 '));
    return (ok?.prop as Json) ?? {};
  };
  const errorOf = (text: string) => parsed(text).error as Json;

  const home = (u: TestUser) => `/dav/calendars/${u.id}/`;
  const primary = (u: TestUser) => `/dav/calendars/${u.id}/${u.id}/`;
  /** The VTIMEZONE lines of the user's primary calendar, as its calendar-timezone property gives them. */
  const calendarVtimezone = async (u: DavUser) => {
    const res = await dav('PROPFIND', primary(u), {
      user: u,
      headers: { depth: '0' },
      body: `<d:propfind xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><c:calendar-timezone/></d:prop></d:propfind>`,
    });
    return String(propsOf(res.text, primary(u))['calendar-timezone'])
      .split(/\r?\n/)
      .filter((l) => l && !/^(BEGIN|END):VCALENDAR|^VERSION|^PRODID/.test(l));
  };

  beforeAll(async () => {
    config = await testConfig();
    api = await startTestApi(config);
    alice = await davUser();
  });
  afterAll(() => api?.close());

  describe('app passwords', () => {
    it('creates one shown once, lists it without the secret, and revokes it at once', async () => {
      const u = await registerUser(api);
      const created = await appPassword(u, { name: 'Laptop' });
      expect(created).toMatchObject({ name: 'Laptop', scope: 'write', lastUsedAt: null });
      expect(created.password).toMatch(/^ap_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      const me = { ...u, password: created.password };
      expect((await dav('PROPFIND', '/dav/', { user: me, headers: { depth: '0' } })).status).toBe(207);

      // The use is recorded off the request path (at most once a minute).
      const list = await waitFor('lastUsedAt recorded', 5000, async () => {
        const res = await api.request<AppPasswordListResponseDto>('/v1/me/app-passwords', { token: u.token });
        return res.body.items[0]?.lastUsedAt ? res : undefined;
      });
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([
        {
          id: created.id,
          name: 'Laptop',
          scope: 'write',
          createdAt: created.createdAt,
          lastUsedAt: expect.stringMatching(/^\d{4}-/),
        },
      ]);
      expect(list.text).not.toContain(created.password.slice(20));

      const revoked = await api.request(`/v1/me/app-passwords/${created.id}`, {
        method: 'DELETE',
        token: u.token,
      });
      expect(revoked.status).toBe(204);
      expect((await dav('PROPFIND', '/dav/', { user: me, headers: { depth: '0' } })).status).toBe(401);
      const again = await api.request(`/v1/me/app-passwords/${created.id}`, {
        method: 'DELETE',
        token: u.token,
      });
      expect(again.status).toBe(404);
    });

    it('refuses a bad name or scope with 400 naming the field, and another user cannot revoke yours (404)', async () => {
      const u = await registerUser(api);
      const empty = await api.request('/v1/me/app-passwords', {
        method: 'POST',
        token: u.token,
        json: { name: '' },
      });
      expect(empty.status).toBe(400);
      expect(empty.text).toContain('name');
      const scope = await api.request('/v1/me/app-passwords', {
        method: 'POST',
        token: u.token,
        json: { name: 'x', scope: 'admin' },
      });
      expect(scope.status).toBe(400);
      expect(scope.text).toContain('scope');
      const mine = await appPassword(u);
      const other = await registerUser(api);
      const res = await api.request(`/v1/me/app-passwords/${mine.id}`, {
        method: 'DELETE',
        token: other.token,
      });
      expect(res.status).toBe(404);
      expect(
        (await dav('PROPFIND', '/dav/', { user: { ...u, password: mine.password }, headers: { depth: '0' } }))
          .status,
      ).toBe(207);
    });

    it('never accepts the account password, nor one app password with another email; failures are audited', async () => {
      const u = await davUser();
      const other = await davUser();
      const accountPassword = await dav('PROPFIND', '/dav/', {
        auth: basic(u.email, 'correct horse battery'),
        headers: { depth: '0' },
      });
      expect(accountPassword.status).toBe(401);
      expect(accountPassword.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(errorOf(accountPassword.text)).toBeDefined();
      const crossed = await dav('PROPFIND', '/dav/', {
        auth: basic(other.email, u.password),
        headers: { depth: '0' },
      });
      expect(crossed.status).toBe(401);
      const none = await dav('PROPFIND', '/dav/', { user: null, headers: { depth: '0' } });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Basic');

      await api.app.get(AuditService).flush();
      const client = await MongoClient.connect(config.mongodbUri);
      try {
        const failures = await client
          .db()
          .collection('audit_events')
          .countDocuments({ type: 'auth_failure', reason: 'bad_password', userId: { $exists: true } });
        expect(failures).toBeGreaterThanOrEqual(2);
      } finally {
        await client.close();
      }
    });

    it('revokes every app password when the account password changes', async () => {
      const u = await davUser();
      expect((await dav('PROPFIND', '/dav/', { user: u, headers: { depth: '0' } })).status).toBe(207);
      const changed = await api.request('/v1/me/password', {
        method: 'POST',
        token: u.token,
        json: { currentPassword: 'correct horse battery', newPassword: 'a brand new passphrase 42' },
      });
      expect(changed.status).toBe(200);
      expect((await dav('PROPFIND', '/dav/', { user: u, headers: { depth: '0' } })).status).toBe(401);
    });

    it('meets the login back-off after repeated wrong app passwords (429 with Retry-After)', async () => {
      const u = await davUser();
      let last = 0;
      let retryAfter: string | null = null;
      for (let i = 0; i < 8 && last !== 429; i++) {
        const res = await dav('PROPFIND', '/dav/', {
          auth: basic(u.email, `ap_0000000000000000_${'x'.repeat(43)}`),
          headers: { depth: '0' },
        });
        last = res.status;
        retryAfter = res.headers.get('retry-after');
      }
      expect(last).toBe(429);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    });
  });

  describe('discovery', () => {
    it('redirects /.well-known/caldav to /dav/ on the host the client used', async () => {
      const res = await api.request('/.well-known/caldav', { redirect: 'manual' });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe(`${api.baseUrl}/dav/`);
    });

    it('answers OPTIONS with the DAV classes, without calendar-auto-schedule', async () => {
      const res = await dav('OPTIONS', '/dav/', { user: null });
      expect(res.status).toBe(200);
      expect(res.headers.get('dav')).toBe('1, 3, calendar-access');
      expect(res.headers.get('allow')).toContain('PROPFIND');
      expect(res.headers.get('allow')).toContain('REPORT');
    });

    it('finds the principal, the calendar home and the primary calendar with its properties', async () => {
      const root = await dav('PROPFIND', '/dav/', {
        headers: { depth: '0' },
        body: `<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>`,
      });
      expect(root.status).toBe(207);
      expect(propsOf(root.text, '/dav/')['current-user-principal']).toEqual({
        href: [`/dav/principals/${alice.id}/`],
      });

      const principal = await dav('PROPFIND', `/dav/principals/${alice.id}/`, {
        headers: { depth: '0' },
        body: `<d:propfind xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><c:calendar-home-set/><c:calendar-user-address-set/></d:prop></d:propfind>`,
      });
      expect(principal.status).toBe(207);
      const props = propsOf(principal.text, `/dav/principals/${alice.id}/`);
      expect(props['calendar-home-set']).toEqual({ href: [home(alice)] });
      expect(props['calendar-user-address-set']).toEqual({ href: [`mailto:${alice.email}`] });

      const calendars = await dav('PROPFIND', home(alice), {
        headers: { depth: '1' },
        body: PROPFIND_CALENDARS,
      });
      expect(calendars.status).toBe(207);
      expect(hrefs(calendars.text)).toEqual([home(alice), primary(alice)]);
      const cal = propsOf(calendars.text, primary(alice));
      expect(cal.resourcetype).toHaveProperty('calendar');
      expect(cal.displayname).toEqual(expect.any(String));
      expect(cal['supported-calendar-component-set']).toEqual({ comp: { '@_name': 'VEVENT' } });
      expect(String(cal['calendar-timezone'])).toContain('BEGIN:VTIMEZONE');
      expect(String(cal['sync-token'])).toMatch(/^urn:calendar-assistant:sync:/);
      expect(cal.getctag).toEqual(expect.any(String));
      expect(
        Object.keys((cal['current-user-privilege-set'] as Json).privilege as Json[] as unknown as object),
      ).toBeDefined();
      expect(JSON.stringify(cal['current-user-privilege-set'])).toContain('write-content');
      // The unknown property is answered 404 in its own propstat.
      const response = responses(calendars.text).find((r) => (r.href as string[])[0] === primary(alice));
      expect(JSON.stringify(response?.propstat)).toMatch(/unknown.*404 Not Found/);
    });
  });
  describe('calendar objects', () => {
    const events = (u: TestUser) =>
      api.request<{ items: { seriesId: string; title: string }[] }>(
        '/v1/events?from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z',
        { token: u.token },
      );
    const put = (u: DavUser, path: string, body: string, headers: Record<string, string> = {}) =>
      dav('PUT', path, {
        user: u,
        body,
        headers: { 'content-type': 'text/calendar; charset=utf-8', ...headers },
      });

    it('creates, reads, updates and deletes an event with ETags, If-None-Match and If-Match (412 when stale)', async () => {
      const u = await davUser();
      const path = `${primary(u)}dentist-1.ics`;
      const created = await put(u, path, vevent('dentist-1'), { 'if-none-match': '*' });
      expect(created.status).toBe(201);
      expect((await put(u, path, vevent('dentist-1'), { 'if-none-match': '*' })).status).toBe(412);

      const read = await dav('GET', path, { user: u });
      expect(read.status).toBe(200);
      expect(read.headers.get('content-type')).toContain('text/calendar');
      expect(read.headers.get('etag')).toBe('"1"');
      expect(read.text).toContain('UID:dentist-1');
      expect(read.text).toContain('SUMMARY:Dentist');
      expect(read.text).not.toContain('METHOD:');
      // The API sees what the calendar app wrote.
      expect((await events(u)).body.items.map((o) => o.title)).toEqual(['Dentist']);

      const stale = await put(u, path, vevent('dentist-1', 'Dentist (moved)'), { 'if-match': '"7"' });
      expect(stale.status).toBe(412);
      expect(errorOf(stale.text)).toBeDefined();
      const updated = await put(u, path, vevent('dentist-1', 'Dentist (moved)'), { 'if-match': '"1"' });
      expect(updated.status).toBe(204);
      const after = await dav('GET', path, { user: u });
      expect(after.headers.get('etag')).toBe('"2"');
      expect(after.text).toContain('SUMMARY:Dentist (moved)');

      // A change through the API bumps the ETag the client sees.
      const id = (await events(u)).body.items[0].seriesId;
      const patched = await api.request<EventWriteResponseDto>(`/v1/events/${id}`, {
        method: 'PATCH',
        token: u.token,
        json: { title: 'Dentist (API)' },
      });
      expect(patched.status).toBe(200);
      const viaApi = await dav('GET', path, { user: u });
      expect(viaApi.headers.get('etag')).toBe('"3"');
      expect(viaApi.text).toContain('SUMMARY:Dentist (API)');

      expect((await dav('DELETE', path, { user: u, headers: { 'if-match': '"2"' } })).status).toBe(412);
      expect((await dav('DELETE', path, { user: u, headers: { 'if-match': '"3"' } })).status).toBe(204);
      expect((await dav('GET', path, { user: u })).status).toBe(404);
      expect((await api.request<EventResponseDto>(`/v1/events/${id}`, { token: u.token })).status).toBe(404);
      expect((await dav('DELETE', path, { user: u })).status).toBe(404);

      // Every change over CalDAV is audited with who made it and how it ended.
      await api.app.get(AuditService).flush();
      const client = await MongoClient.connect(config.mongodbUri);
      try {
        const audited = await client
          .db()
          .collection('audit_events')
          .find({ actor: u.id, type: { $in: ['caldav_put', 'caldav_delete'] } })
          .project({ _id: 0, type: 1, status: 1, outcome: 1 })
          .toArray();
        expect(audited).toEqual(
          expect.arrayContaining([
            { type: 'caldav_put', status: 201, outcome: 'success' },
            { type: 'caldav_put', status: 412, outcome: 'failure' },
            { type: 'caldav_delete', status: 204, outcome: 'success' },
          ]),
        );
      } finally {
        await client.close();
      }
    });

    it('makes each CalDAV change a change like any other: the cached API list and webhooks see it', async () => {
      const u = await davUser();
      const rx = await new Receiver().start();
      try {
        const hook = await api.request('/v1/webhooks', {
          method: 'POST',
          token: u.token,
          json: { url: rx.url, events: ['event.created', 'event.updated', 'event.deleted'] },
        });
        expect(hook.status).toBe(201);
        const titles = async () => (await events(u)).body.items.map((o) => o.title);
        const delivered = (type: string) =>
          waitFor(`${type} at the webhook`, 15_000, async () =>
            rx.requests
              .map(
                (r) => JSON.parse(r.body) as { type: string; data: { event: { id: string; title: string } } },
              )
              .find((b) => b.type === type),
          );
        // The API's week list is cached; each CalDAV write must reach it at once.
        expect(await titles()).toEqual([]);
        const path = `${primary(u)}standup-9.ics`;
        expect((await put(u, path, vevent('standup-9', 'Standup'))).status).toBe(201);
        expect(await titles()).toEqual(['Standup']);
        const created = await delivered('event.created');
        expect(created.data.event.title).toBe('Standup');

        expect(
          (await put(u, path, vevent('standup-9', 'Standup (moved)'), { 'if-match': '"1"' })).status,
        ).toBe(204);
        expect(await titles()).toEqual(['Standup (moved)']);
        expect((await delivered('event.updated')).data.event).toMatchObject({
          id: created.data.event.id,
          title: 'Standup (moved)',
        });

        expect((await dav('DELETE', path, { user: u })).status).toBe(204);
        expect(await titles()).toEqual([]);
        expect((await delivered('event.deleted')).data.event.id).toBe(created.data.event.id);
      } finally {
        await rx.close();
      }
    });

    it('round-trips a recurring series with an EXDATE and a changed occurrence, and an all-day event', async () => {
      const u = await davUser();
      const vtimezone = await calendarVtimezone(u);
      expect(vtimezone[0]).toBe('BEGIN:VTIMEZONE');
      const series = weeklySeries('weekly', vtimezone);
      const put = await dav('PUT', `${primary(u)}weekly.ics`, {
        user: u,
        body: series,
        headers: { 'content-type': 'text/calendar' },
      });
      expect(put.status).toBe(201);
      const read = (await dav('GET', `${primary(u)}weekly.ics`, { user: u })).text.replace(/\r\n[ \t]/g, '');
      expect(read).toContain('BEGIN:VTIMEZONE');
      expect(read).toMatch(/DTSTART;TZID=America\/New_York:20270301T090000/);
      expect(read).toMatch(/RRULE:FREQ=WEEKLY;COUNT=4/);
      expect(read).toMatch(/EXDATE;TZID=America\/New_York:20270308T090000/);
      expect(read).toMatch(/RECURRENCE-ID;TZID=America\/New_York:20270315T090000/);
      expect(read).toContain('SUMMARY:Weekly (moved)');
      const listed = await api.request<{ items: { title: string; start: string }[] }>(
        '/v1/events?from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z',
        { token: u.token },
      );
      expect(listed.body.items.map((o) => o.title)).toEqual(['Weekly', 'Weekly (moved)', 'Weekly']);

      const allDay = vevent('holiday', 'Holiday')
        .replace('DTSTART:20270310T090000Z', 'DTSTART;VALUE=DATE:20270310')
        .replace('DTEND:20270310T100000Z', 'DTEND;VALUE=DATE:20270311');
      expect(
        (
          await dav('PUT', `${primary(u)}holiday.ics`, {
            user: u,
            body: allDay,
            headers: { 'content-type': 'text/calendar' },
          })
        ).status,
      ).toBe(201);
      const day = await dav('GET', `${primary(u)}holiday.ics`, { user: u });
      expect(day.text).toContain('DTSTART;VALUE=DATE:20270310');
      expect(day.text).toContain('DTEND;VALUE=DATE:20270311');

      // A TZID without its VTIMEZONE is refused (RFC 5545 requires one), nothing stored.
      const bare = vevent('bare').replace(
        'DTSTART:20270310T090000Z',
        'DTSTART;TZID=Europe/Berlin:20270310T090000',
      );
      const refused = await dav('PUT', `${primary(u)}bare.ics`, {
        user: u,
        body: bare,
        headers: { 'content-type': 'text/calendar' },
      });
      expect(refused.status).toBe(403);
      expect(errorOf(refused.text)).toHaveProperty('valid-calendar-data');
      expect((await dav('GET', `${primary(u)}bare.ics`, { user: u })).status).toBe(404);
    });

    it("gives back what the client sent that is not modelled: X- properties and the client's own VALARMs", async () => {
      const u = await davUser();
      const path = `${primary(u)}apple.ics`;
      const sent = vevent(
        'apple',
        'Flight',
        [
          'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC',
          'CATEGORIES:Travel,Work',
          'BEGIN:VALARM',
          'X-WR-ALARMUID:5B1A6C2E-0F3D-4C1E-9C41-3B7A0E7F1D11',
          'ACTION:AUDIO',
          'ATTACH;VALUE=URI:Basso',
          'TRIGGER:-PT15M',
          'END:VALARM',
        ].join('\r\n'),
      ).replace('PRODID:-//test//caldav e2e//EN', 'PRODID:-//test//caldav e2e//EN\r\nX-WR-CALNAME:Trips');
      expect((await put(u, path, sent)).status).toBe(201);
      const read = (await dav('GET', path, { user: u })).text.replace(/\r\n[ \t]/g, '');
      expect(read).toContain('X-WR-CALNAME:Trips');
      expect(read).toContain('X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC');
      expect(read).toContain('CATEGORIES:Travel,Work');
      expect(read).toContain('X-WR-ALARMUID:5B1A6C2E-0F3D-4C1E-9C41-3B7A0E7F1D11');
      expect(read).toMatch(/\r\nATTACH[^:\r\n]*:Basso\r\n/);
      // One VALARM: the client's own, not also the project's copy of the same reminder.
      expect(read.match(/BEGIN:VALARM/g)).toHaveLength(1);

      // The API reads the reminder from it; changing the reminders there writes the project's alarm.
      const id = (await events(u)).body.items[0].seriesId;
      const shown = await api.request<EventResponseDto>(`/v1/events/${id}`, { token: u.token });
      expect(shown.body.reminders).toEqual([15]);
      const patched = await api.request<EventWriteResponseDto>(`/v1/events/${id}`, {
        method: 'PATCH',
        token: u.token,
        json: { reminders: [30] },
      });
      expect(patched.status).toBe(200);
      const after = (await dav('GET', path, { user: u })).text.replace(/\r\n[ \t]/g, '');
      expect(after).toContain('TRIGGER:-PT30M');
      expect(after).not.toContain('X-WR-ALARMUID');
      expect(after).toContain('X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC');

      // A PUT without them drops them (the client's copy is the whole resource).
      expect((await put(u, path, vevent('apple', 'Flight'))).status).toBe(204);
      const plain = (await dav('GET', path, { user: u })).text;
      expect(plain).not.toContain('X-APPLE-TRAVEL-ADVISORY-BEHAVIOR');
      expect(plain).not.toContain('X-WR-CALNAME');
    });

    it('returns the ETag on PUT only when the stored resource is byte-identical, and keeps it until a change', async () => {
      const u = await davUser();
      const path = `${primary(u)}bytes.ics`;
      // The project stores its own rendering (DTSTAMP, CREATED, VTIMEZONE…): not what was sent, no ETag.
      const created = await put(u, path, vevent('bytes'));
      expect(created.status).toBe(201);
      expect(created.headers.get('etag')).toBeNull();
      const first = await dav('GET', path, { user: u });
      const again = await dav('GET', path, { user: u });
      expect(again.text).toBe(first.text);
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));

      // Sending back exactly the stored bytes: identical, so the ETag comes back, and nothing changes.
      const same = await put(u, path, first.text, { 'if-match': first.headers.get('etag') as string });
      expect(same.status).toBe(204);
      expect(same.headers.get('etag')).toBe(first.headers.get('etag'));
      const unchanged = await dav('GET', path, { user: u });
      expect(unchanged.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(unchanged.text).toBe(first.text);

      // A real change (the client's own DTSTAMP): a new ETag, not in the answer as the bytes differ.
      const edited = first.text
        .replace('SUMMARY:Dentist', 'SUMMARY:Dentist (moved)')
        .replace(/DTSTAMP:\d{8}T\d{6}Z/, 'DTSTAMP:20200101T000000Z');
      const changed = await put(u, path, edited, { 'if-match': first.headers.get('etag') as string });
      expect(changed.status).toBe(204);
      expect(changed.headers.get('etag')).toBeNull();
      expect((await dav('GET', path, { user: u })).headers.get('etag')).not.toBe(first.headers.get('etag'));
    });

    it('lists resources with getetag and getcontenttype at Depth 1, and the ctag moves with a change', async () => {
      const u = await davUser();
      const before = await dav('PROPFIND', primary(u), {
        user: u,
        headers: { depth: '0' },
        body: PROPFIND_CALENDARS,
      });
      const ctag = propsOf(before.text, primary(u)).getctag;
      expect((await put(u, `${primary(u)}a.ics`, vevent('a'))).status).toBe(201);
      const res = await dav('PROPFIND', primary(u), {
        user: u,
        headers: { depth: '1' },
        body: `<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:getetag/><d:getcontenttype/><cs:getctag/></d:prop></d:propfind>`,
      });
      expect(res.status).toBe(207);
      expect(hrefs(res.text)).toEqual([primary(u), `${primary(u)}a.ics`]);
      expect(propsOf(res.text, `${primary(u)}a.ics`)).toEqual({
        getetag: '"1"',
        getcontenttype: 'text/calendar; charset=utf-8; component=vevent',
      });
      expect(propsOf(res.text, primary(u)).getctag).not.toEqual(ctag);
    });

    it('answers calendar-multiget and calendar-query with a time-range', async () => {
      const u = await davUser();
      await put(u, `${primary(u)}march.ics`, vevent('march', 'March'));
      await put(
        u,
        `${primary(u)}may.ics`,
        vevent('may', 'May')
          .replace('20270310T090000Z', '20270510T090000Z')
          .replace('20270310T100000Z', '20270510T100000Z'),
      );
      const multiget = await dav('REPORT', primary(u), {
        user: u,
        headers: { depth: '1' },
        body: `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/><c:calendar-data/></d:prop>
          <d:href>${primary(u)}march.ics</d:href><d:href>${primary(u)}may.ics</d:href><d:href>${primary(u)}gone.ics</d:href></c:calendar-multiget>`,
      });
      expect(multiget.status).toBe(207);
      expect(hrefs(multiget.text).sort()).toEqual(
        [`${primary(u)}gone.ics`, `${primary(u)}march.ics`, `${primary(u)}may.ics`].sort(),
      );
      expect(String(propsOf(multiget.text, `${primary(u)}may.ics`)['calendar-data'])).toContain(
        'SUMMARY:May',
      );
      const gone = responses(multiget.text).find((r) => (r.href as string[])[0] === `${primary(u)}gone.ics`);
      expect(String(gone?.status)).toContain('404');

      const query = await dav('REPORT', primary(u), {
        user: u,
        headers: { depth: '1' },
        body: `<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/></d:prop>
          <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
          <c:time-range start="20270301T000000Z" end="20270401T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
      });
      expect(query.status).toBe(207);
      expect(hrefs(query.text)).toEqual([`${primary(u)}march.ics`]);

      const todos = await dav('REPORT', primary(u), {
        user: u,
        body: `<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/></d:prop>
          <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"/></c:comp-filter></c:filter></c:calendar-query>`,
      });
      expect(hrefs(todos.text)).toEqual([]);
    });

    it('expands a recurring series into UTC instances with RECURRENCE-IDs in calendar-query <C:expand>', async () => {
      const u = await davUser();
      const vtimezone = await calendarVtimezone(u);
      const series = weeklySeries('weekly-x', vtimezone);
      expect((await put(u, `${primary(u)}weekly-x.ics`, series)).status).toBe(201);
      const expanded = async (start: string, end: string) => {
        const res = await dav('REPORT', primary(u), {
          user: u,
          headers: { depth: '1' },
          body: `<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/>
            <c:calendar-data><c:expand start="${start}" end="${end}"/></c:calendar-data></d:prop>
            <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
            <c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
        });
        expect(res.status).toBe(207);
        return String(propsOf(res.text, `${primary(u)}weekly-x.ics`)['calendar-data']).replace(
          /\r?\n[ \t]/g,
          '',
        );
      };
      const month = await expanded('20270301T000000Z', '20270401T000000Z');
      expect(month).not.toMatch(/RRULE|EXDATE|TZID|BEGIN:VTIMEZONE/);
      // New York is UTC-5 until 14 March 2027, then UTC-4; the 8th is excluded, the 15th moved.
      expect(month.match(/RECURRENCE-ID:\S+/g)).toEqual([
        'RECURRENCE-ID:20270301T140000Z',
        'RECURRENCE-ID:20270315T130000Z',
        'RECURRENCE-ID:20270322T130000Z',
      ]);
      expect(month.match(/DTSTART:\S+/g)).toEqual([
        'DTSTART:20270301T140000Z',
        'DTSTART:20270315T150000Z',
        'DTSTART:20270322T130000Z',
      ]);
      expect(month.match(/SUMMARY:[^\r\n]+/g)).toEqual([
        'SUMMARY:Weekly',
        'SUMMARY:Weekly (moved)',
        'SUMMARY:Weekly',
      ]);
      const week = await expanded('20270314T000000Z', '20270321T000000Z');
      expect(week.match(/RECURRENCE-ID:\S+/g)).toEqual(['RECURRENCE-ID:20270315T130000Z']);
    });

    it('syncs with sync-collection: everything, then only what changed (API and CalDAV), and refuses bad tokens', async () => {
      const u = await davUser();
      await put(u, `${primary(u)}one.ics`, vevent('one', 'One'));
      await put(u, `${primary(u)}two.ics`, vevent('two', 'Two'));
      const syncReport = (token: string) =>
        dav('REPORT', primary(u), {
          user: u,
          body: `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
        });
      const first = await syncReport('');
      expect(first.status).toBe(207);
      expect(hrefs(first.text).sort()).toEqual([`${primary(u)}one.ics`, `${primary(u)}two.ics`]);
      const token = String((parsed(first.text).multistatus as Json)['sync-token']);
      expect(token).toMatch(/^urn:calendar-assistant:sync:/);

      // One change through the API, one delete through CalDAV.
      const created = await api.request<EventWriteResponseDto>('/v1/events', {
        method: 'POST',
        token: u.token,
        json: { title: 'From the API', start: '2027-03-12T10:00' },
      });
      expect(created.status).toBe(201);
      expect((await dav('DELETE', `${primary(u)}one.ics`, { user: u })).status).toBe(204);
      const next = await syncReport(token);
      expect(next.status).toBe(207);
      const apiHref = `${primary(u)}${encodeURIComponent(created.body.event.uid)}.ics`;
      expect(hrefs(next.text)).toEqual(expect.arrayContaining([apiHref, `${primary(u)}one.ics`]));
      expect(hrefs(next.text)).not.toContain(`${primary(u)}two.ics`);
      const removed = responses(next.text).find((r) => (r.href as string[])[0] === `${primary(u)}one.ics`);
      expect(String(removed?.status)).toContain('404');
      const fromApi = await dav('GET', apiHref, { user: u });
      expect(fromApi.status).toBe(200);
      expect(fromApi.text).toContain('SUMMARY:From the API');

      for (const bad of ['garbage', 'urn:calendar-assistant:sync:forged.token']) {
        const res = await syncReport(bad);
        expect(res.status).toBe(403);
        expect(errorOf(res.text)).toHaveProperty('valid-sync-token');
      }
      // A token of another calendar is not valid here either.
      const other = await createCalendar(api, u, 'Other');
      const res = await dav('REPORT', `/dav/calendars/${u.id}/${other}/`, {
        user: u,
        body: `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
      });
      expect(res.status).toBe(403);
      expect(errorOf(res.text)).toHaveProperty('valid-sync-token');
    });
  });

  describe('meetings', () => {
    it('shows the meetings an account is invited to in its primary collection; a PARTSTAT change is an RSVP, anything else 403, a DELETE declines', async () => {
      const organizer = await davUser();
      const guest = await davUser();
      const created = await api.request<EventWriteResponseDto>('/v1/events', {
        method: 'POST',
        token: organizer.token,
        json: {
          title: 'Planning',
          start: '2027-05-10T09:00:00Z',
          end: '2027-05-10T10:00:00Z',
          attendees: [guest.email],
        },
      });
      expect(created.status).toBe(201);
      const meeting = created.body.event;
      const uid = meeting.uid;
      const path = `${primary(guest)}${encodeURIComponent(uid)}.ics`;
      const statusOf = async () =>
        (
          await api.request<EventResponseDto>(`/v1/events/${meeting.id}`, { token: organizer.token })
        ).body.attendees.find((a) => a.email === guest.email)?.responseStatus;

      const listed = await dav('PROPFIND', primary(guest), {
        user: guest,
        headers: { depth: '1' },
        body: `<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`,
      });
      expect(hrefs(listed.text)).toContain(path);
      const query = await dav('REPORT', primary(guest), {
        user: guest,
        body: `<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/></d:prop>
          <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
          <c:time-range start="20270501T000000Z" end="20270601T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
      });
      expect(hrefs(query.text)).toEqual([path]);
      const read = await dav('GET', path, { user: guest });
      expect(read.status).toBe(200);
      const text = read.text.replace(/\r\n[ \t]/g, '');
      const ownLine = new RegExp(
        `ATTENDEE[^\\r\\n]*PARTSTAT=NEEDS-ACTION[^\\r\\n]*:mailto:${guest.email}`,
        'i',
      );
      expect(text).toMatch(ownLine);

      // Anything but their own answer is the organizer's: 403 with the RFC 6638 precondition.
      const retitled = await dav('PUT', path, {
        user: guest,
        body: text.replace('SUMMARY:Planning', 'SUMMARY:Mine now'),
        headers: { 'content-type': 'text/calendar' },
      });
      expect(retitled.status).toBe(403);
      expect(errorOf(retitled.text)).toHaveProperty('allowed-attendee-scheduling-object-change');
      expect(await statusOf()).toBe('needsAction');

      // Their PARTSTAT alone: an RSVP, seen by the organizer.
      const accepted = text.replace(ownLine, (line) =>
        line.replace('PARTSTAT=NEEDS-ACTION', 'PARTSTAT=ACCEPTED'),
      );
      const answered = await dav('PUT', path, {
        user: guest,
        body: accepted,
        headers: { 'content-type': 'text/calendar', 'if-match': read.headers.get('etag') as string },
      });
      expect(answered.status).toBe(204);
      expect(await statusOf()).toBe('accepted');
      expect((await dav('GET', path, { user: guest })).text.replace(/\r\n[ \t]/g, '')).toMatch(
        new RegExp(`PARTSTAT=ACCEPTED[^\\r\\n]*:mailto:${guest.email}`, 'i'),
      );
      // The organizer's own copy was not touched otherwise, and nothing landed in the guest's calendar.
      const guestOwn = await api.request<{ items: { seriesId: string }[] }>(
        `/v1/events?from=2027-05-01T00:00:00Z&to=2027-06-01T00:00:00Z&calendarId=${guest.id}`,
        { token: guest.token },
      );
      expect(guestOwn.body.items.map((i) => i.seriesId)).toEqual([meeting.id]);

      // Deleting it from their calendar declines it; then it is no longer in the collection.
      expect((await dav('DELETE', path, { user: guest })).status).toBe(204);
      expect(await statusOf()).toBe('declined');
      expect((await dav('GET', path, { user: guest })).status).toBe(404);
    });
  });

  describe('permissions', () => {
    it("hides another user's home and calendars (404), even under one's own home", async () => {
      const bob = await davUser();
      await dav('PUT', `${primary(alice)}secret.ics`, {
        body: vevent('secret', 'Secret'),
        headers: { 'content-type': 'text/calendar' },
      });
      expect((await dav('PROPFIND', home(alice), { user: bob, headers: { depth: '1' } })).status).toBe(404);
      expect((await dav('GET', `${primary(alice)}secret.ics`, { user: bob })).status).toBe(404);
      const underOwn = `/dav/calendars/${bob.id}/${alice.id}/`;
      const res = await dav('PROPFIND', underOwn, { user: bob, headers: { depth: '1' } });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('Secret');
      expect((await dav('GET', `${underOwn}secret.ics`, { user: bob })).status).toBe(404);
    });

    it('gives a reader a read-only collection, and does not list a freeBusyReader’s', async () => {
      const owner = await davUser();
      const reader = await davUser();
      const freeBusy = await davUser();
      const team = await createCalendar(api, owner, 'Team');
      await share(api, owner, team, reader, 'reader');
      await share(api, owner, team, freeBusy, 'freeBusyReader');
      const ownerPath = `/dav/calendars/${owner.id}/${team}/`;
      expect(
        (
          await dav('PUT', `${ownerPath}standup.ics`, {
            user: owner,
            body: vevent('standup', 'Standup'),
            headers: { 'content-type': 'text/calendar' },
          })
        ).status,
      ).toBe(201);

      const readerHome = await dav('PROPFIND', home(reader), {
        user: reader,
        headers: { depth: '1' },
        body: PROPFIND_CALENDARS,
      });
      const readerPath = `/dav/calendars/${reader.id}/${team}/`;
      expect(hrefs(readerHome.text)).toEqual([home(reader), primary(reader), readerPath]);
      const privileges = JSON.stringify(propsOf(readerHome.text, readerPath)['current-user-privilege-set']);
      expect(privileges).toContain('read');
      expect(privileges).not.toContain('write');
      const read = await dav('GET', `${readerPath}standup.ics`, { user: reader });
      expect(read.status).toBe(200);
      expect(read.text).toContain('SUMMARY:Standup');
      const write = await dav('PUT', `${readerPath}standup.ics`, {
        user: reader,
        body: vevent('standup', 'Hijacked'),
        headers: { 'content-type': 'text/calendar' },
      });
      expect(write.status).toBe(403);
      expect(errorOf(write.text)).toHaveProperty('need-privileges');
      expect((await dav('DELETE', `${readerPath}standup.ics`, { user: reader })).status).toBe(403);
      expect((await dav('GET', `${ownerPath}standup.ics`, { user: owner })).text).toContain(
        'SUMMARY:Standup',
      );

      const fbHome = await dav('PROPFIND', home(freeBusy), { user: freeBusy, headers: { depth: '1' } });
      expect(hrefs(fbHome.text)).toEqual([home(freeBusy), primary(freeBusy)]);
      const direct = await dav('PROPFIND', `/dav/calendars/${freeBusy.id}/${team}/`, {
        user: freeBusy,
        headers: { depth: '1' },
      });
      expect(direct.status).toBe(403);
      expect(direct.text).not.toContain('Standup');
    });

    it('answers free-busy-query with a VFREEBUSY of the busy time, also to a freeBusyReader, and 404 without a role', async () => {
      const owner = await davUser();
      const freeBusy = await davUser();
      const stranger = await davUser();
      const team = await createCalendar(api, owner, 'Team');
      await share(api, owner, team, freeBusy, 'freeBusyReader');
      const ownerPath = `/dav/calendars/${owner.id}/${team}/`;
      const store = (uid: string, body: string) =>
        dav('PUT', `${ownerPath}${uid}.ics`, {
          user: owner,
          body,
          headers: { 'content-type': 'text/calendar' },
        });
      expect((await store('standup', vevent('standup', 'Standup'))).status).toBe(201);
      const free = vevent('lunch', 'Lunch', 'TRANSP:TRANSPARENT')
        .replace('20270310T090000Z', '20270310T110000Z')
        .replace('20270310T100000Z', '20270310T120000Z');
      expect((await store('lunch', free)).status).toBe(201);
      const query = (u: DavUser, start = '20270310T000000Z', end = '20270311T000000Z') =>
        dav('REPORT', `/dav/calendars/${u.id}/${team}/`, {
          user: u,
          headers: { depth: '1' },
          body: `<c:free-busy-query xmlns:c="${CALDAV}"><c:time-range start="${start}" end="${end}"/></c:free-busy-query>`,
        });
      for (const u of [owner, freeBusy]) {
        const res = await query(u);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain('text/calendar');
        expect(res.text).toContain('BEGIN:VFREEBUSY');
        expect(res.text).toContain('DTSTART:20270310T000000Z');
        expect(res.text).toContain('DTEND:20270311T000000Z');
        expect(res.text.match(/^FREEBUSY[^\r\n]*/gm)).toEqual([
          'FREEBUSY;FBTYPE=BUSY:20270310T090000Z/20270310T100000Z',
        ]);
        expect(res.text).not.toContain('Standup');
      }
      // Outside the range: no busy time.
      expect((await query(freeBusy, '20270311T000000Z', '20270312T000000Z')).text).not.toContain('FREEBUSY;');
      expect((await query(stranger)).status).toBe(404);
      const unbounded = await dav('REPORT', ownerPath, {
        user: owner,
        body: `<c:free-busy-query xmlns:c="${CALDAV}"><c:time-range start="20270310T000000Z"/></c:free-busy-query>`,
      });
      expect(unbounded.status).toBe(400);
      expect(errorOf(unbounded.text)).toBeDefined();
    });

    it('refuses every change with a read-only app password', async () => {
      const u = await registerUser(api);
      const ro = { ...u, password: (await appPassword(u, { name: 'tablet', scope: 'read' })).password };
      const res = await dav('PUT', `${primary(u)}x.ics`, {
        user: ro,
        body: vevent('x'),
        headers: { 'content-type': 'text/calendar' },
      });
      expect(res.status).toBe(403);
      const props = await dav('PROPFIND', primary(u), {
        user: ro,
        headers: { depth: '0' },
        body: PROPFIND_CALENDARS,
      });
      expect(JSON.stringify(propsOf(props.text, primary(u))['current-user-privilege-set'])).not.toContain(
        'write',
      );
    });
  });

  describe('bad input: a DAV:error with a 4xx, nothing stored', () => {
    const rawRequest = (method: string, path: string, auth: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(api.baseUrl);
        const req = httpRequest(
          { host: url.hostname, port: url.port, method, path, headers: { authorization: auth } },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });

    it('refuses malformed XML, DOCTYPEs (external entity, billion laughs) and Depth: infinity', async () => {
      const malformed = await dav('PROPFIND', primary(alice), {
        headers: { depth: '0' },
        body: '<d:propfind xmlns:d="DAV:"><d:prop>',
      });
      expect(malformed.status).toBe(400);
      expect(errorOf(malformed.text)).toHaveProperty('message');

      const xxe = await dav('PROPFIND', primary(alice), {
        headers: { depth: '0' },
        body: '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&x;</d:displayname></d:prop></d:propfind>',
      });
      expect(xxe.status).toBe(400);
      expect(xxe.text).not.toContain('root:');
      const laughs = [
        '<!ENTITY lol "lol">',
        ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`),
      ];
      const bomb = await dav('REPORT', primary(alice), {
        body: `<?xml version="1.0"?><!DOCTYPE lolz [${laughs.join('')}]><d:sync-collection xmlns:d="DAV:"><d:sync-token>&lol9;</d:sync-token></d:sync-collection>`,
      });
      expect(bomb.status).toBe(400);
      expect(errorOf(bomb.text).message).toContain('DOCTYPE');

      const infinity = await dav('PROPFIND', home(alice), { headers: { depth: 'infinity' } });
      expect(infinity.status).toBe(403);
      expect(errorOf(infinity.text)).toHaveProperty('propfind-finite-depth');
    });

    it('refuses a body over 1 MiB with 413', async () => {
      const big = vevent('big', 'Big', `DESCRIPTION:${'x'.repeat(1024 * 1024)}`);
      const res = await dav('PUT', `${primary(alice)}big.ics`, {
        body: big,
        headers: { 'content-type': 'text/calendar' },
      });
      expect(res.status).toBe(413);
      expect(errorOf(res.text)).toBeDefined();
      expect((await dav('GET', `${primary(alice)}big.ics`)).status).toBe(404);
    });

    it('refuses names with "..", slashes or backslashes', async () => {
      for (const name of ['a..b.ics', '..%2Fx.ics', 'a%2Fb.ics', 'a%5Cb.ics']) {
        const res = await dav('PUT', `${primary(alice)}${name}`, {
          body: vevent('a'),
          headers: { 'content-type': 'text/calendar' },
        });
        expect({ name, status: res.status }).toEqual({ name, status: 400 });
        expect(errorOf(res.text)).toBeDefined();
      }
      const raw = await rawRequest(
        'GET',
        `${primary(alice)}../../${alice.id}/x.ics`,
        basic(alice.email, alice.password),
      );
      expect(raw.status).toBe(400);
      expect(raw.body).toContain('error');
    });

    it('refuses what is not one VEVENT named by its UID, and stores nothing', async () => {
      const path = `${primary(alice)}bad.ics`;
      const cases: [string, Record<string, string>, string, number, string][] = [
        ['plain text', { 'content-type': 'text/plain' }, 'hello', 415, 'supported-calendar-data'],
        ['not iCalendar', { 'content-type': 'text/calendar' }, 'hello world', 403, 'valid-calendar-data'],
        [
          'UID not the name',
          { 'content-type': 'text/calendar' },
          vevent('other'),
          403,
          'valid-calendar-data',
        ],
        [
          'two UIDs',
          { 'content-type': 'text/calendar' },
          vevent('bad').replace(
            'END:VCALENDAR',
            vevent('second').split('\r\n').slice(3, -2).join('\r\n') + '\r\nEND:VCALENDAR',
          ),
          403,
          'valid-calendar-data',
        ],
        [
          'a TZID without its VTIMEZONE',
          { 'content-type': 'text/calendar' },
          vevent('bad').replace('DTSTART:20270310T090000Z', 'DTSTART;TZID=Europe/Berlin:20270310T090000'),
          403,
          'valid-calendar-data',
        ],
        [
          'a rule with no occurrence',
          { 'content-type': 'text/calendar' },
          vevent('bad', 'Never', 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'),
          403,
          'valid-calendar-data',
        ],
        [
          'an EXDATE inside a changed occurrence',
          { 'content-type': 'text/calendar' },
          vevent('bad', 'Daily', 'RRULE:FREQ=DAILY;COUNT=3').replace(
            'END:VCALENDAR',
            [
              'BEGIN:VEVENT',
              'UID:bad',
              'DTSTAMP:20270101T000000Z',
              'RECURRENCE-ID:20270311T090000Z',
              'DTSTART:20270311T100000Z',
              'DTEND:20270311T110000Z',
              'EXDATE:20270312T090000Z',
              'SUMMARY:Daily (moved)',
              'END:VEVENT',
              'END:VCALENDAR',
            ].join('\r\n'),
          ),
          403,
          'valid-calendar-data',
        ],
        [
          'a VTODO',
          { 'content-type': 'text/calendar' },
          vevent('bad').replace(/VEVENT/g, 'VTODO'),
          403,
          'supported-calendar-component',
        ],
      ];
      for (const [what, headers, body, status, condition] of cases) {
        const res = await dav('PUT', path, { body, headers });
        expect({ what, status: res.status }).toEqual({ what, status });
        expect({ what, error: Object.keys(errorOf(res.text) ?? {}) }).toEqual({
          what,
          error: expect.arrayContaining([condition]),
        });
      }
      expect((await dav('GET', path)).status).toBe(404);
    });

    it('refuses unknown reports and bad time ranges, and never answers 500', async () => {
      const unknown = await dav('REPORT', primary(alice), {
        body: `<d:expand-property xmlns:d="DAV:"><d:property name="owner"/></d:expand-property>`,
      });
      expect(unknown.status).toBe(403);
      expect(errorOf(unknown.text)).toHaveProperty('supported-report');
      const range = await dav('REPORT', primary(alice), {
        body: `<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}"><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="yesterday"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
      });
      expect(range.status).toBe(403);
      expect(errorOf(range.text)).toHaveProperty('valid-filter');
      const mkcol = await dav('MKCOL', `${home(alice)}new-calendar/`);
      expect(mkcol.status).toBe(403);
      expect(errorOf(mkcol.text)).toHaveProperty('resource-must-be-null');
      for (const [method, body] of [
        ['PROPFIND', '<x:unbound>'],
        ['REPORT', ''],
        ['PROPPATCH', 'not xml'],
        ['MKCALENDAR', ''],
        ['LOCK', ''],
      ]) {
        const res = await dav(method, primary(alice), { body });
        expect({ method, status: res.status < 500 }).toEqual({ method, status: true });
      }
    });
  });
});
