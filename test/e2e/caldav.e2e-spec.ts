import { request as httpRequest } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { MongoClient } from 'mongodb';
import type { AppPasswordCreatedResponseDto, AppPasswordListResponseDto } from '@app/identity';
import type { EventResponseDto, EventWriteResponseDto } from '@app/calendar';
import { AppConfig } from '@app/config';
import { AuditService } from '@app/audit';
import { createCalendar, share } from '../support/sharing';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

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

  const appPassword = async (u: TestUser, json: Json = { name: 'phone' }) => {
    const res = await api.request<AppPasswordCreatedResponseDto>('/v1/me/app-passwords', {
      method: 'POST',
      token: u.token,
      json,
    });
    expect(res.status).toBe(201);
    return res.body;
  };
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

      const list = await api.request<AppPasswordListResponseDto>('/v1/me/app-passwords', { token: u.token });
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([
        expect.objectContaining({
          id: created.id,
          name: 'Laptop',
          scope: 'write',
          lastUsedAt: expect.any(String),
        }),
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
});
