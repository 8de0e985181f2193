import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AssistantMessageResponseDto, ChangesetResponseDto } from '@app/assistant';
import type {
  AclListDto,
  AclRuleResponseDto,
  CalendarResponseDto,
  EventResponseDto,
  EventWriteResponseDto,
  FeedCreatedResponseDto,
  FeedListResponseDto,
  FreeBusyResponseDto,
  HoldListResponseDto,
  HoldResponseDto,
  OccurrencePageDto,
} from '@app/calendar';
import type { AppConfig } from '@app/config';
import type { DeliveryListResponseDto, WebhookCreatedResponseDto } from '@app/webhooks';
import { eventually } from '../support/eventually';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

// OWASP API1:2023 (object-level authorization) and API3 (property-level authorization).
// Alice owns one of everything that has an id; Bob calls every route that takes an id — enumerated
// from the OpenAPI document, so a new id route without a row here fails the test — and gets 404.
// Nothing of Alice's (ids, titles, locations, secrets) appears in anything Bob receives.

const ZONE = 'UTC';
const MARKER = `alice-private-${randomBytes(4).toString('hex')}`;
const dayAfter = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const TOMORROW = dayAfter(1);

/** The previewed changeset of an assistant message (with its token), or a failure saying there is none. */
function previewOf(res: TestResponse<AssistantMessageResponseDto>): ChangesetResponseDto & { token: string } {
  const changeset = res.body.changeset;
  if (!changeset?.token) throw new Error(`no previewed changeset: ${res.text}`);
  return { ...changeset, token: changeset.token };
}

/** Alice's objects: every kind of id the API hands out. */
interface Owned {
  eventId: string;
  seriesId: string;
  occurrenceStart: string;
  changesetId: string;
  changesetToken: string;
  confirmedChangesetId: string;
  webhookId: string;
  webhookSecret: string;
  deliveryId: string;
  feedId: string;
  feedUrl: string;
  holdId: string;
  /** Alice's primary calendar (her account id) and a second one, shared with a third person. */
  primaryCalendarId: string;
  calendarId: string;
  aclRuleId: string;
  appPasswordId: string;
}

type Call = { path: string; method: string; json?: unknown; headers?: Record<string, string> };

/**
 * One row per route with a path parameter (`METHOD /path/{param}` as in /docs-json): Bob's calls with
 * Alice's ids. Several calls per route where a query changes what is reached (occurrence edits).
 */
const ROUTES: Record<string, (a: Owned) => Call[]> = {
  'GET /v1/events/{id}': (a) => [
    { method: 'GET', path: `/v1/events/${a.eventId}` },
    { method: 'GET', path: `/v1/events/${a.seriesId}` },
  ],
  'PATCH /v1/events/{id}': (a) => [
    { method: 'PATCH', path: `/v1/events/${a.eventId}`, json: { title: 'taken over' } },
    {
      method: 'PATCH',
      path: `/v1/events/${a.eventId}`,
      json: { title: 'taken over' },
      headers: { 'if-match': '"1"' },
    },
    {
      method: 'PATCH',
      path: `/v1/events/${a.seriesId}?scope=this&occurrenceStart=${encodeURIComponent(a.occurrenceStart)}`,
      json: { title: 'taken over' },
    },
    {
      method: 'PATCH',
      path: `/v1/events/${a.seriesId}?scope=thisAndFollowing&occurrenceStart=${encodeURIComponent(a.occurrenceStart)}`,
      json: { title: 'taken over' },
    },
  ],
  'DELETE /v1/events/{id}': (a) => [
    { method: 'DELETE', path: `/v1/events/${a.eventId}` },
    {
      method: 'DELETE',
      path: `/v1/events/${a.seriesId}?scope=this&occurrenceStart=${encodeURIComponent(a.occurrenceStart)}`,
    },
    { method: 'DELETE', path: `/v1/events/${a.seriesId}?scope=all` },
  ],
  // Not invited: an answer to Alice's meeting is refused as if it did not exist, for one occurrence too.
  'POST /v1/events/{id}/rsvp': (a) => [
    { method: 'POST', path: `/v1/events/${a.eventId}/rsvp`, json: { response: 'accepted' } },
    {
      method: 'POST',
      path: `/v1/events/${a.seriesId}/rsvp?scope=this&occurrenceStart=${encodeURIComponent(a.occurrenceStart)}`,
      json: { response: 'declined' },
    },
  ],
  'GET /v1/changesets/{id}': (a) => [
    { method: 'GET', path: `/v1/changesets/${a.changesetId}` },
    { method: 'GET', path: `/v1/changesets/${a.confirmedChangesetId}` },
  ],
  'POST /v1/changesets/{id}/confirm': (a) => [
    // Even with the preview's token (as if it leaked), the changeset is not Bob's.
    { method: 'POST', path: `/v1/changesets/${a.changesetId}/confirm`, json: { token: a.changesetToken } },
  ],
  'POST /v1/changesets/{id}/undo': (a) => [
    { method: 'POST', path: `/v1/changesets/${a.confirmedChangesetId}/undo` },
  ],
  'DELETE /v1/availability/holds/{id}': (a) => [
    { method: 'DELETE', path: `/v1/availability/holds/${a.holdId}` },
  ],
  'DELETE /v1/feeds/{id}': (a) => [{ method: 'DELETE', path: `/v1/feeds/${a.feedId}` }],
  'DELETE /v1/me/app-passwords/{id}': (a) => [
    { method: 'DELETE', path: `/v1/me/app-passwords/${a.appPasswordId}` },
  ],
  // The public feed is reached by its secret token only; its id is not a way in.
  'GET /feeds/{file}': (a) => [{ method: 'GET', path: `/feeds/${a.feedId}.ics` }],
  'GET /v1/calendars/{id}': (a) => [
    { method: 'GET', path: `/v1/calendars/${a.calendarId}` },
    { method: 'GET', path: `/v1/calendars/${a.primaryCalendarId}` },
  ],
  'PATCH /v1/calendars/{id}': (a) => [
    { method: 'PATCH', path: `/v1/calendars/${a.calendarId}`, json: { name: 'taken over' } },
  ],
  'DELETE /v1/calendars/{id}': (a) => [{ method: 'DELETE', path: `/v1/calendars/${a.calendarId}` }],
  'GET /v1/calendars/{id}/calendar.ics': (a) => [
    { method: 'GET', path: `/v1/calendars/${a.calendarId}/calendar.ics` },
    { method: 'GET', path: `/v1/calendars/${a.primaryCalendarId}/calendar.ics` },
  ],
  'GET /v1/calendars/{id}/acl': (a) => [
    { method: 'GET', path: `/v1/calendars/${a.calendarId}/acl` },
    { method: 'GET', path: `/v1/calendars/${a.primaryCalendarId}/acl` },
  ],
  'POST /v1/calendars/{id}/acl': (a) => [
    {
      method: 'POST',
      path: `/v1/calendars/${a.calendarId}/acl`,
      json: { email: 'bob@example.com', role: 'owner' },
    },
    {
      method: 'POST',
      path: `/v1/calendars/${a.primaryCalendarId}/acl`,
      json: { email: 'bob@example.com', role: 'reader' },
    },
  ],
  'PATCH /v1/calendars/{id}/acl/{ruleId}': (a) => [
    { method: 'PATCH', path: `/v1/calendars/${a.calendarId}/acl/${a.aclRuleId}`, json: { role: 'owner' } },
    { method: 'PATCH', path: `/v1/calendars/${a.calendarId}/acl/owner`, json: { role: 'reader' } },
  ],
  'DELETE /v1/calendars/{id}/acl/{ruleId}': (a) => [
    { method: 'DELETE', path: `/v1/calendars/${a.calendarId}/acl/${a.aclRuleId}` },
  ],
  'GET /v1/webhooks/{id}': (a) => [{ method: 'GET', path: `/v1/webhooks/${a.webhookId}` }],
  'DELETE /v1/webhooks/{id}': (a) => [{ method: 'DELETE', path: `/v1/webhooks/${a.webhookId}` }],
  'GET /v1/webhooks/{id}/deliveries': (a) => [
    { method: 'GET', path: `/v1/webhooks/${a.webhookId}/deliveries` },
  ],
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/replay': (a) => [
    { method: 'POST', path: `/v1/webhooks/${a.webhookId}/deliveries/${a.deliveryId}/replay` },
  ],
};

describe('OWASP API1/API3: another user reaches none of your objects and none of your data', () => {
  let config: AppConfig;
  let api: TestApi;
  let alice: TestUser;
  let bob: TestUser;
  let receiver: Server;
  let owned: Owned;
  /** Every response of the walk, Alice's and Bob's, for the secrets scan. */
  const seen: { who: string; call: string; res: TestResponse<unknown> }[] = [];

  /** Calls as `user`; `T` is the response DTO the caller reads (`ApiErrorBody` for a refusal). */
  const as = async <T = unknown>(user: TestUser, call: Call): Promise<TestResponse<T>> => {
    const res = await api.request<T>(call.path, {
      method: call.method,
      token: user.token,
      json: call.json,
      headers: call.headers,
    });
    seen.push({ who: user === alice ? 'alice' : 'bob', call: `${call.method} ${call.path}`, res });
    return res;
  };

  beforeAll(async () => {
    config = await testConfig({ WEBHOOK_RETRY_BASE_MS: '100' });
    api = await startTestApi(config);
    alice = await registerUser(api, { timeZone: ZONE, name: `Alice ${MARKER}` });
    bob = await registerUser(api, { timeZone: ZONE });
    receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('ok')));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const hook = await as<WebhookCreatedResponseDto>(alice, {
      method: 'POST',
      path: '/v1/webhooks',
      json: { url: hookUrl, events: ['event.created'] },
    });
    expect(hook.status).toBe(201);
    const event = await as<EventWriteResponseDto>(alice, {
      method: 'POST',
      path: '/v1/events',
      json: {
        title: 'Zebra review',
        start: `${TOMORROW}T10:00`,
        end: `${TOMORROW}T11:00`,
        location: `room ${MARKER}`,
        description: `notes ${MARKER}`,
        attendees: [`${MARKER}@example.com`],
      },
    });
    expect(event.status).toBe(201);
    const series = await as<EventWriteResponseDto>(alice, {
      method: 'POST',
      path: '/v1/events',
      json: { title: `Standup ${MARKER}`, start: `${TOMORROW}T08:00`, recurrence: 'FREQ=DAILY;COUNT=5' },
    });
    expect(series.status).toBe(201);

    // A preview (left pending) and a confirmed changeset, both through the assistant.
    const preview = await as<AssistantMessageResponseDto>(alice, {
      method: 'POST',
      path: '/v1/assistant/messages',
      json: { text: `Move my zebra review to ${TOMORROW} at 4pm` },
    });
    expect(preview.body.changeset).toMatchObject({ state: 'previewed', id: expect.any(String) });
    const confirmed = await as<AssistantMessageResponseDto>(alice, {
      method: 'POST',
      path: '/v1/assistant/messages',
      json: { text: `Cancel my standup ${MARKER} on ${dayAfter(3)}` },
    });
    expect(confirmed.body.changeset).toMatchObject({ state: 'previewed', id: expect.any(String) });
    const applied = await as(alice, {
      method: 'POST',
      path: `/v1/changesets/${previewOf(confirmed).id}/confirm`,
      json: { token: previewOf(confirmed).token },
    });
    expect(applied.status).toBe(200);

    const feed = await as<FeedCreatedResponseDto>(alice, {
      method: 'POST',
      path: '/v1/feeds',
      json: { kind: 'full' },
    });
    expect(feed.status).toBe(201);
    const hold = await as<HoldResponseDto>(alice, {
      method: 'POST',
      path: '/v1/availability/holds',
      json: { start: `${dayAfter(2)}T14:00:00Z`, end: `${dayAfter(2)}T15:00:00Z` },
    });
    expect(hold.status).toBe(201);
    let deliveries: { id: string }[] = [];
    const delivered = await eventually(async () => {
      const res = await as<DeliveryListResponseDto>(alice, {
        method: 'GET',
        path: `/v1/webhooks/${hook.body.id}/deliveries`,
      });
      deliveries = res.body.items ?? [];
      return deliveries.length > 0;
    }, 10_000);
    expect(delivered).toBe(true);

    const calendar = await as<CalendarResponseDto>(alice, {
      method: 'POST',
      path: '/v1/calendars',
      json: { name: `Secret ${MARKER}`, description: `plans ${MARKER}` },
    });
    expect(calendar.status).toBe(201);
    const rule = await as<AclRuleResponseDto>(alice, {
      method: 'POST',
      path: `/v1/calendars/${calendar.body.id}/acl`,
      json: { email: `${MARKER}-friend@example.com`, role: 'reader' },
    });
    expect(rule.status).toBe(201);
    const appPassword = await as<{ id: string }>(alice, {
      method: 'POST',
      path: '/v1/me/app-passwords',
      json: { name: `Phone ${MARKER}` },
    });
    expect(appPassword.status).toBe(201);

    owned = {
      primaryCalendarId: alice.id,
      calendarId: calendar.body.id,
      aclRuleId: rule.body.id,
      eventId: event.body.event.id,
      seriesId: series.body.event.id,
      occurrenceStart: `${dayAfter(2)}T08:00:00.000Z`,
      changesetId: previewOf(preview).id,
      changesetToken: previewOf(preview).token,
      confirmedChangesetId: previewOf(confirmed).id,
      webhookId: hook.body.id,
      webhookSecret: hook.body.secret,
      deliveryId: deliveries[0].id,
      feedId: feed.body.id,
      feedUrl: feed.body.url,
      holdId: hold.body.id,
      appPasswordId: appPassword.body.id,
    };
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  /** Strings that must never reach Bob. */
  const aliceSecrets = () => [
    MARKER,
    'Zebra review',
    alice.id,
    alice.email,
    owned.eventId,
    owned.seriesId,
    owned.changesetId,
    owned.changesetToken,
    owned.confirmedChangesetId,
    owned.webhookId,
    owned.webhookSecret,
    owned.deliveryId,
    owned.feedId,
    new URL(owned.feedUrl).pathname.slice('/feeds/'.length, -'.ics'.length),
    owned.holdId,
    owned.appPasswordId,
  ];
  const expectNothingOfAlice = (label: string, res: TestResponse<unknown>) => {
    for (const secret of aliceSecrets()) {
      expect({ label, leaked: res.text?.includes(secret) ? secret : null }).toEqual({ label, leaked: null });
    }
  };

  it('has a row for every documented route that takes an id, and each answers Bob with 404', async () => {
    const doc = await api.request<{ paths: Record<string, Record<string, unknown>> }>('/docs-json');
    expect(doc.status).toBe(200);
    const documented = Object.entries(doc.body.paths).flatMap(([path, ops]) =>
      path.includes('{')
        ? Object.keys(ops)
            .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
            .map((m) => `${m.toUpperCase()} ${path}`)
        : [],
    );
    expect(documented.length).toBeGreaterThanOrEqual(Object.keys(ROUTES).length);
    const missing = documented.filter((r) => !ROUTES[r] && !r.includes(' /v1/admin/'));
    expect({ routesWithoutARow: missing }).toEqual({ routesWithoutARow: [] });

    for (const route of documented) {
      // Admin routes are function-level (API5): an ordinary user is refused before any id is read.
      const calls = ROUTES[route]?.(owned) ?? [
        { method: route.split(' ')[0], path: route.split(' ')[1].replace(/\{[^}]+\}/g, owned.eventId) },
      ];
      for (const call of calls) {
        const res = await as(bob, call);
        const expected = route.includes(' /v1/admin/') ? [403, 404] : [404];
        expect({ call: `${call.method} ${call.path}`, status: res.status, expected }).toEqual({
          call: `${call.method} ${call.path}`,
          status: expected.includes(res.status) ? res.status : expected[0],
          expected,
        });
        expectNothingOfAlice(`${call.method} ${call.path}`, res);
      }
    }
  });

  it("left Alice's objects untouched", async () => {
    const event = await as<EventResponseDto>(alice, { method: 'GET', path: `/v1/events/${owned.eventId}` });
    expect(event.body).toMatchObject({ title: 'Zebra review', version: 1 });
    const series = await as(alice, { method: 'GET', path: `/v1/events/${owned.seriesId}` });
    expect(series.status).toBe(200);
    expect(
      (await as<ChangesetResponseDto>(alice, { method: 'GET', path: `/v1/changesets/${owned.changesetId}` }))
        .body,
    ).toMatchObject({
      state: 'previewed',
    });
    expect((await as(alice, { method: 'GET', path: `/v1/webhooks/${owned.webhookId}` })).status).toBe(200);
    expect(
      (await as<CalendarResponseDto>(alice, { method: 'GET', path: `/v1/calendars/${owned.calendarId}` }))
        .body,
    ).toMatchObject({ name: `Secret ${MARKER}`, role: 'owner' });
    const acl = await as<AclListDto>(alice, { method: 'GET', path: `/v1/calendars/${owned.calendarId}/acl` });
    expect(acl.body.items.map((r) => [r.id, r.role])).toEqual([
      ['owner', 'owner'],
      [owned.aclRuleId, 'reader'],
    ]);
    expect(
      (await as<FeedListResponseDto>(alice, { method: 'GET', path: '/v1/feeds' })).body.items,
    ).toHaveLength(1);
    expect(
      (await as<HoldListResponseDto>(alice, { method: 'GET', path: '/v1/availability/holds' })).body.items,
    ).toHaveLength(1);
    const occurrences = await as<OccurrencePageDto>(alice, {
      method: 'GET',
      path: `/v1/events?from=${dayAfter(1)}T00:00:00Z&to=${dayAfter(7)}T00:00:00Z`,
    });
    // Five standups (one cancelled by Alice's own changeset) and the review.
    expect(occurrences.body.items.filter((o) => o.title.startsWith('Standup'))).toHaveLength(4);
  });

  it("shows Bob nothing of Alice's in lists, free/busy, sync, ics export, feeds, webhooks or the assistant", async () => {
    const window = `from=${dayAfter(0)}T00:00:00Z&to=${dayAfter(8)}T00:00:00Z`;
    const reads: Call[] = [
      { method: 'GET', path: '/v1/calendars' },
      { method: 'GET', path: `/v1/events?${window}` },
      { method: 'GET', path: '/v1/events/sync' },
      { method: 'GET', path: `/v1/availability/free-busy?${window}` },
      { method: 'GET', path: '/v1/availability/holds' },
      { method: 'GET', path: '/v1/calendar.ics' },
      { method: 'GET', path: '/v1/feeds' },
      { method: 'GET', path: '/v1/webhooks' },
      { method: 'GET', path: '/v1/me' },
      {
        method: 'POST',
        path: '/v1/availability/slots',
        json: { from: `${dayAfter(1)}T00:00:00Z`, to: `${dayAfter(2)}T00:00:00Z`, durationMinutes: 30 },
      },
      { method: 'POST', path: '/v1/assistant/messages', json: { text: "What's on my calendar tomorrow?" } },
      { method: 'POST', path: '/v1/assistant/messages', json: { text: 'What do I have this week?' } },
    ];
    for (const call of reads) {
      const res = await as(bob, call);
      expect({ call: call.path, status: res.status < 300 }).toEqual({ call: call.path, status: true });
      expectNothingOfAlice(`${call.method} ${call.path}`, res);
    }
    const busy = seen.find((s) => s.who === 'bob' && s.call.includes('free-busy'))!
      .res as TestResponse<FreeBusyResponseDto>;
    expect(busy.body.busy).toEqual([]);
    const events = seen.find((s) => s.who === 'bob' && s.call.startsWith('GET /v1/events?'))!
      .res as TestResponse<OccurrencePageDto>;
    expect(events.body.items).toEqual([]);
    // Asking the assistant to act on Alice's event by its title finds nothing to change.
    const move = await as<AssistantMessageResponseDto>(bob, {
      method: 'POST',
      path: '/v1/assistant/messages',
      json: { text: `Move my zebra review to ${TOMORROW} at 4pm` },
    });
    expect(move.status).toBe(200);
    expect(move.body.changeset).toBeUndefined();
    expect(move.text).not.toContain(owned.eventId);
    expect(move.text).not.toContain(MARKER);
  });

  it('refuses mass assignment of ownerId, _id, createdAt, version and the like, naming the key, changing nothing', async () => {
    const base = { title: 'Mine', start: `${TOMORROW}T12:00` };
    const forbidden: Record<string, unknown> = {
      ownerId: alice.id,
      _id: '000000000000000000000001',
      id: '000000000000000000000001',
      createdAt: '2020-01-01T00:00:00Z',
      updatedAt: '2020-01-01T00:00:00Z',
      deletedAt: null,
      version: 99,
      etag: '"99"',
      role: 'admin',
      uid: 'forged@example.com',
    };
    const before = await as<EventResponseDto>(alice, { method: 'GET', path: `/v1/events/${owned.eventId}` });
    for (const [key, value] of Object.entries(forbidden)) {
      const created = await as<ApiErrorBody>(bob, {
        method: 'POST',
        path: '/v1/events',
        json: { ...base, [key]: value },
      });
      expect({ key, status: created.status }).toEqual({ key, status: 400 });
      expect(created.body.error.message).toContain(key);
      const patched = await as<ApiErrorBody>(alice, {
        method: 'PATCH',
        path: `/v1/events/${owned.eventId}`,
        json: { title: 'Zebra review', [key]: value },
      });
      expect({ key, status: patched.status }).toEqual({ key, status: 400 });
      expect(patched.body.error.message).toContain(key);
    }
    const after = await as<EventResponseDto>(alice, { method: 'GET', path: `/v1/events/${owned.eventId}` });
    expect(after.body).toEqual(before.body);
    const bobs = await as<OccurrencePageDto>(bob, {
      method: 'GET',
      path: `/v1/events?from=${dayAfter(0)}T00:00:00Z&to=${dayAfter(3)}T00:00:00Z`,
    });
    expect(bobs.body.items).toEqual([]);
    // Profile updates cannot grant a role or change the account's identity either.
    for (const key of ['role', 'passwordHash', 'email', '_id']) {
      const res = await as(bob, {
        method: 'PATCH',
        path: '/v1/me',
        json: { [key]: key === 'role' ? 'admin' : 'x' },
      });
      expect({ key, status: res.status }).toEqual({ key, status: 400 });
    }
  });

  it('never sends a password hash, token hash, the JWT secret, or a webhook secret after its creation', () => {
    expect(seen.length).toBeGreaterThan(40);
    // Hash values, and hash fields as JSON keys (a 400 may name a key the caller sent, as text).
    const forbidden = [/\$argon2/, /"(passwordHash|tokenHash|password_hash|token_hash|secretHash)"\s*:/i];
    for (const { who, call, res } of seen) {
      const text = res.text ?? '';
      for (const pattern of forbidden)
        expect({ who, call, found: pattern.test(text) ? String(pattern) : null }).toEqual({
          who,
          call,
          found: null,
        });
      expect({ who, call, jwtSecret: text.includes(config.jwt.secret) }).toEqual({
        who,
        call,
        jwtSecret: false,
      });
      const isCreation = call === 'POST /v1/webhooks';
      expect({ who, call, webhookSecret: !isCreation && text.includes(owned.webhookSecret) }).toEqual({
        who,
        call,
        webhookSecret: false,
      });
    }
  });
});
