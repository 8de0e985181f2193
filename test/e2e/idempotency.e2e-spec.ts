import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AssistantMessageResponseDto } from '@app/assistant';
import type { CalendarListDto } from '@app/calendar';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const Y = new Date().getUTCFullYear() + 1;
const dayAfter = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** One create route: how to call it with a body, another body, and how many things it has made. */
interface CreateRoute {
  route: string;
  path: (u: TestUser) => string;
  body: (n: number) => unknown;
  contentType?: string;
  count: (u: TestUser) => Promise<number>;
}

const ics = (uid: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTART:${Y}0601T100000Z`,
    `DTEND:${Y}0601T110000Z`,
    'SUMMARY:Imported',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');

/**
 * Issue 20: `Idempotency-Key` works on every POST that creates something, through one mechanism.
 * For each route: a repeat replays the first response and creates nothing more; the key with another
 * request is 422; two requests at once with one key make one thing.
 */
describe('Idempotency-Key on every create route', () => {
  let api: TestApi;
  let receiver: Server;
  let hookUrl: string;

  const items = async (u: TestUser, path: string) =>
    ((await api.request<{ items: unknown[] }>(path, { token: u.token })).body.items ?? []).length;
  const eventsIn = (u: TestUser, day: string) =>
    items(u, `/v1/events?from=${Y}-${day}T00:00:00Z&to=${Y}-${day}T23:59:00Z`);

  const routes: CreateRoute[] = [
    {
      route: 'POST /v1/events',
      path: () => '/v1/events',
      body: (n) => ({ title: `Once ${n}`, start: `${Y}-05-04T10:00` }),
      count: (u) => eventsIn(u, '05-04'),
    },
    {
      route: 'POST /v1/calendars',
      path: () => '/v1/calendars',
      body: (n) => ({ name: `Team ${n}` }),
      count: async (u) => (await items(u, '/v1/calendars')) - 1,
    },
    {
      route: 'POST /v1/calendars/{id}/acl',
      path: () => '/v1/calendars/primary/acl',
      body: (n) => ({ email: `friend-${n}@example.com`, role: 'reader' }),
      count: async (u) => (await items(u, '/v1/calendars/primary/acl')) - 1,
    },
    {
      route: 'POST /v1/availability/holds',
      path: () => '/v1/availability/holds',
      body: (n) => ({ start: `${Y}-05-05T1${n}:00:00Z`, end: `${Y}-05-05T1${n}:30:00Z` }),
      count: (u) => items(u, '/v1/availability/holds'),
    },
    {
      route: 'POST /v1/feeds',
      path: () => '/v1/feeds',
      body: (n) => ({ kind: n % 2 ? 'full' : 'freebusy' }),
      count: (u) => items(u, '/v1/feeds'),
    },
    {
      route: 'POST /v1/webhooks',
      path: () => '/v1/webhooks',
      body: (n) => ({ url: `${hookUrl}/${n}`, events: ['event.created'] }),
      count: (u) => items(u, '/v1/webhooks'),
    },
    {
      route: 'POST /v1/events/import',
      path: () => '/v1/events/import',
      body: (n) => ics(`import-${n}@example.com`),
      contentType: 'text/calendar',
      count: (u) => eventsIn(u, '06-01'),
    },
    {
      route: 'POST /v1/assistant/messages',
      path: () => '/v1/assistant/messages',
      body: (n) => ({ text: `Lunch with the team on ${Y}-05-0${n + 6} at noon` }),
      count: (u) => items(u, `/v1/events?from=${Y}-05-07T00:00:00Z&to=${Y}-05-10T00:00:00Z`),
    },
  ];

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('ok')));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await api?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const post = (u: TestUser, r: CreateRoute, body: unknown, key?: string) =>
    api.request(r.path(u), {
      method: 'POST',
      token: u.token,
      ...(r.contentType
        ? {
            body: body as string,
            headers: { 'content-type': r.contentType, ...(key ? { 'idempotency-key': key } : {}) },
          }
        : { json: body, headers: key ? { 'idempotency-key': key } : {} }),
    });

  it.each(routes.map((r) => [r.route, r] as const))(
    '%s: a repeat replays the first answer, another request with the key is 422, nothing is made twice',
    async (_route, r) => {
      const u = await registerUser(api, { timeZone: 'UTC' });
      const first = await post(u, r, r.body(1), 'key-1');
      expect([200, 201]).toContain(first.status);
      const again = await post(u, r, r.body(1), 'key-1');
      expect({ status: again.status, body: again.body }).toEqual({ status: first.status, body: first.body });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await r.count(u)).toBe(1);

      const other = (await post(u, r, r.body(2), 'key-1')) as TestResponse<ApiErrorBody>;
      expect(other.status).toBe(422);
      expect(other.body.error.message).toMatch(/Idempotency-Key was already used with a different request/);
      expect(await r.count(u)).toBe(1);

      // Two at once with a fresh key: one thing; the second waited for the first's answer (or got 409).
      const [a, b] = await Promise.all([post(u, r, r.body(3), 'key-3'), post(u, r, r.body(3), 'key-3')]);
      const answered = [a, b].filter((x) => x.status < 300);
      expect(answered.length).toBeGreaterThanOrEqual(1);
      for (const x of answered) expect(x.body).toEqual(answered[0].body);
      for (const x of [a, b].filter((y) => y.status >= 300)) {
        expect(x.status).toBe(409);
        expect(x.headers.get('retry-after')).toBe('1');
      }
      expect(await r.count(u)).toBe(2);
    },
  );

  it('confirms a previewed change once: a repeated confirm with its key replays the result', async () => {
    const u = await registerUser(api, { timeZone: 'UTC' });
    await api.request('/v1/events', {
      method: 'POST',
      token: u.token,
      json: { title: 'Dentist', start: `${dayAfter(1)}T09:00` },
    });
    const preview = await api.request<AssistantMessageResponseDto>('/v1/assistant/messages', {
      method: 'POST',
      token: u.token,
      json: { text: `Move my dentist appointment to ${dayAfter(2)} at 4pm` },
    });
    const changeset = preview.body.changeset;
    expect(changeset?.token).toEqual(expect.any(String));
    const confirm = () =>
      api.request(`/v1/changesets/${changeset?.id}/confirm`, {
        method: 'POST',
        token: u.token,
        json: { token: changeset?.token },
        headers: { 'idempotency-key': 'confirm-1' },
      });
    const first = await confirm();
    expect(first.status).toBe(200);
    const again = await confirm();
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses a key that is too long, naming the header, and creates nothing', async () => {
    const u = await registerUser(api, { timeZone: 'UTC' });
    const res = await post(u, routes[1], routes[1].body(1), 'k'.repeat(201));
    expect(res.status).toBe(400);
    expect((res.body as ApiErrorBody).error.message).toMatch(/Idempotency-Key/);
    expect((await api.request<CalendarListDto>('/v1/calendars', { token: u.token })).body.items).toHaveLength(
      1,
    );
  });
});
