import type {
  AclRuleResponseDto,
  CalendarResponseDto,
  EventResponseDto,
  EventWriteResponseDto,
} from '@app/calendar';
import { randomBytes } from 'node:crypto';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi, TestResponse } from '../support/test-app';
import { registerUser, TestUser, uniqueAddress } from '../support/users';

/**
 * The permission matrix, end to end against real FerretDB and Redis: every route that touches a
 * calendar × every role on it → the status it answers, and nothing of the owner's events in the
 * body of a role too low to see it. Owner A's calendar holds events whose title, description,
 * location and attendee carry MARK, and a private event carrying PRIVATE_MARK of its own: no
 * response to no role or freeBusyReader may contain either, a reader's none PRIVATE_MARK.
 */
type Role = 'none' | 'freeBusyReader' | 'reader' | 'writer' | 'owner';
const ROLES: Role[] = ['none', 'freeBusyReader', 'reader', 'writer', 'owner'];

const MARK = `mk${randomBytes(6).toString('hex')}`;
const PRIVATE_MARK = `pv${randomBytes(6).toString('hex')}`;
const WINDOW = 'from=2027-05-01T00:00:00Z&to=2027-06-01T00:00:00Z';

/** What a row can reach: the API, owner A, the shared calendar, and one user per role. */
interface Matrix {
  api: TestApi;
  owner: TestUser;
  calendarId: string;
  /** The caller holding each role on the calendar (`owner` through an ACL rule, not the creator). */
  as: Record<Role, TestUser>;
  /** An event of A's in the calendar, fresh for this row, its fields carrying the marker. */
  freshEvent(mark?: string, extra?: Record<string, unknown>): Promise<EventResponseDto>;
  /** A calendar of A's, fresh for this row, shared with the role users as the main one is. */
  freshCalendar(): Promise<string>;
  /** An ACL rule on the calendar for an address of its own, fresh for this row. */
  freshRule(): Promise<string>;
  /** A's view of an event (the owner always sees it). */
  ownerView(id: string): Promise<TestResponse<EventResponseDto>>;
}

interface Route {
  /** Method and path as Swagger names them, plus what is special about the row. */
  name: string;
  expect: Record<Role, number>;
  /** Calls the route as `user`; returns the response whose raw text is searched for the markers. */
  call(m: Matrix, user: TestUser): Promise<TestResponse>;
  /** After the call: that it took effect (2xx) or that nothing changed (refused). */
  check?(m: Matrix, res: TestResponse, allowed: boolean, role: Role): Promise<void>;
}

const statuses = (none: number, freeBusyReader: number, reader: number, writer: number, owner: number) => ({
  none,
  freeBusyReader,
  reader,
  writer,
  owner,
});
const ok = (res: TestResponse) => res.status < 300;

const ROUTES: Route[] = [
  // ── Events ──────────────────────────────────────────────────────────────────────────────────
  {
    name: 'POST /v1/events {calendarId}',
    expect: statuses(404, 403, 403, 201, 201),
    call: async (m, u) =>
      Object.assign(
        await m.api.request('/v1/events', {
          method: 'POST',
          token: u.token,
          json: { title: `Added by ${u.id}`, start: '2027-05-20T10:00', calendarId: m.calendarId },
        }),
        { caller: u },
      ),
    async check(m, res, allowed) {
      const { caller } = res as TestResponse & { caller: TestUser };
      const page = await m.api.request(`/v1/events?${WINDOW}&calendarIds=${m.calendarId}`, {
        token: m.owner.token,
      });
      const added = (page.body.items as { title: string }[]).filter(
        (o) => o.title === `Added by ${caller.id}`,
      );
      expect(added).toHaveLength(allowed ? 1 : 0);
    },
  },
  {
    name: 'GET /v1/events?calendarIds',
    expect: statuses(404, 403, 200, 200, 200),
    call: (m, u) => m.api.request(`/v1/events?${WINDOW}&calendarIds=${m.calendarId}`, { token: u.token }),
    async check(_m, res, allowed) {
      if (!allowed) return;
      const titles = (res.body.items as { title: string }[]).map((o) => o.title);
      expect(titles).toContain(`${MARK} review`);
      expect(titles.length).toBeGreaterThanOrEqual(2);
    },
  },
  {
    name: 'GET /v1/events (default: every readable calendar)',
    expect: statuses(200, 200, 200, 200, 200),
    call: (m, u) => m.api.request(`/v1/events?${WINDOW}`, { token: u.token }),
  },
  {
    name: 'GET /v1/events/{id}',
    expect: statuses(404, 403, 200, 200, 200),
    call: async (m, u) => m.api.request(`/v1/events/${(await m.freshEvent()).id}`, { token: u.token }),
  },
  {
    name: 'GET /v1/events/{id} (a private event)',
    expect: statuses(404, 403, 200, 200, 200),
    call: async (m, u) =>
      m.api.request(`/v1/events/${(await m.freshEvent(PRIVATE_MARK, { visibility: 'private' })).id}`, {
        token: u.token,
      }),
    async check(_m, res, allowed) {
      if (allowed) expect(res.body.visibility).toBe('private');
    },
  },
  {
    name: 'PATCH /v1/events/{id}',
    expect: statuses(404, 403, 403, 200, 200),
    call: async (m, u) =>
      m.api.request(`/v1/events/${(await m.freshEvent()).id}`, {
        method: 'PATCH',
        token: u.token,
        json: { title: 'Renamed' },
      }),
    async check(m, res, allowed) {
      if (allowed) expect((await m.ownerView(res.body.event.id)).body.title).toBe('Renamed');
    },
  },
  {
    name: 'DELETE /v1/events/{id}',
    expect: statuses(404, 403, 403, 204, 204),
    call: async (m, u) => {
      const event = await m.freshEvent();
      const res = await m.api.request(`/v1/events/${event.id}`, { method: 'DELETE', token: u.token });
      return Object.assign(res, { eventId: event.id });
    },
    async check(m, res, allowed) {
      const id = (res as TestResponse & { eventId: string }).eventId;
      expect((await m.ownerView(id)).status).toBe(allowed ? 404 : 200);
    },
  },
  {
    name: 'PATCH /v1/events/{id} {calendarId} (move in from the caller’s primary)',
    expect: statuses(404, 403, 403, 200, 200),
    call: async (m, u) => {
      const own = await m.api.request<EventWriteResponseDto>('/v1/events', {
        method: 'POST',
        token: u.token,
        json: { title: 'Moving in', start: '2027-05-21T10:00' },
      });
      const res = await m.api.request(`/v1/events/${own.body.event.id}`, {
        method: 'PATCH',
        token: u.token,
        json: { calendarId: m.calendarId },
      });
      return Object.assign(res, { eventId: own.body.event.id, caller: u });
    },
    async check(m, res, allowed) {
      const { eventId, caller } = res as TestResponse & { eventId: string; caller: TestUser };
      const now = await m.api.request<EventResponseDto>(`/v1/events/${eventId}`, { token: caller.token });
      expect(now.body.calendarId).toBe(allowed ? m.calendarId : caller.id);
    },
  },
  {
    name: 'PATCH /v1/events/{id} {calendarId: primary} (move out to the caller’s primary)',
    expect: statuses(404, 403, 403, 200, 200),
    call: async (m, u) => {
      const event = await m.freshEvent();
      const res = await m.api.request(`/v1/events/${event.id}`, {
        method: 'PATCH',
        token: u.token,
        json: { calendarId: 'primary' },
      });
      return Object.assign(res, { eventId: event.id, caller: u });
    },
    async check(m, res, allowed) {
      const { eventId, caller } = res as TestResponse & { eventId: string; caller: TestUser };
      if (allowed) expect(res.body.event.calendarId).toBe(caller.id);
      else expect((await m.ownerView(eventId)).body.calendarId).toBe(m.calendarId);
    },
  },

  // ── Calendars ───────────────────────────────────────────────────────────────────────────────
  {
    name: 'GET /v1/calendars (the caller’s list)',
    expect: statuses(200, 200, 200, 200, 200),
    call: (m, u) => m.api.request('/v1/calendars', { token: u.token }),
    async check(m, res, _allowed, role) {
      const listed = (res.body.items as { id: string; role: string }[]).find((c) => c.id === m.calendarId);
      expect(listed?.role).toBe(role === 'none' ? undefined : role);
    },
  },
  {
    name: 'GET /v1/calendars/{id}',
    expect: statuses(404, 200, 200, 200, 200),
    call: (m, u) => m.api.request(`/v1/calendars/${m.calendarId}`, { token: u.token }),
  },
  {
    name: 'PATCH /v1/calendars/{id}',
    expect: statuses(404, 403, 403, 403, 200),
    call: async (m, u) => {
      const id = await m.freshCalendar();
      const res = await m.api.request(`/v1/calendars/${id}`, {
        method: 'PATCH',
        token: u.token,
        json: { name: 'Renamed calendar' },
      });
      return Object.assign(res, { calendarId: id });
    },
    async check(m, res, allowed) {
      const id = (res as TestResponse & { calendarId: string }).calendarId;
      const now = await m.api.request<CalendarResponseDto>(`/v1/calendars/${id}`, { token: m.owner.token });
      expect(now.body.name).toBe(allowed ? 'Renamed calendar' : 'Fresh');
    },
  },
  {
    name: 'DELETE /v1/calendars/{id}',
    expect: statuses(404, 403, 403, 403, 204),
    call: async (m, u) => {
      const id = await m.freshCalendar();
      const res = await m.api.request(`/v1/calendars/${id}`, { method: 'DELETE', token: u.token });
      return Object.assign(res, { calendarId: id });
    },
    async check(m, res, allowed) {
      const id = (res as TestResponse & { calendarId: string }).calendarId;
      expect((await m.api.request(`/v1/calendars/${id}`, { token: m.owner.token })).status).toBe(
        allowed ? 404 : 200,
      );
    },
  },

  // ── Sharing (ACL) ───────────────────────────────────────────────────────────────────────────
  {
    name: 'GET /v1/calendars/{id}/acl',
    expect: statuses(404, 403, 403, 403, 200),
    call: (m, u) => m.api.request(`/v1/calendars/${m.calendarId}/acl`, { token: u.token }),
  },
  {
    name: 'POST /v1/calendars/{id}/acl',
    expect: statuses(404, 403, 403, 403, 201),
    call: async (m, u) => {
      const email = uniqueAddress();
      const res = await m.api.request(`/v1/calendars/${m.calendarId}/acl`, {
        method: 'POST',
        token: u.token,
        json: { email, role: 'reader' },
      });
      return Object.assign(res, { email });
    },
    async check(m, res, allowed) {
      const { email } = res as TestResponse & { email: string };
      const rules = await m.api.request<{ items: AclRuleResponseDto[] }>(
        `/v1/calendars/${m.calendarId}/acl`,
        {
          token: m.owner.token,
        },
      );
      expect(rules.body.items.some((r) => r.email === email)).toBe(allowed);
    },
  },
  {
    name: 'PATCH /v1/calendars/{id}/acl/{ruleId}',
    expect: statuses(404, 403, 403, 403, 200),
    call: async (m, u) => {
      const ruleId = await m.freshRule();
      const res = await m.api.request(`/v1/calendars/${m.calendarId}/acl/${ruleId}`, {
        method: 'PATCH',
        token: u.token,
        json: { role: 'writer' },
      });
      return Object.assign(res, { ruleId });
    },
    async check(m, res, allowed) {
      const { ruleId } = res as TestResponse & { ruleId: string };
      const rules = await m.api.request<{ items: AclRuleResponseDto[] }>(
        `/v1/calendars/${m.calendarId}/acl`,
        {
          token: m.owner.token,
        },
      );
      expect(rules.body.items.find((r) => r.id === ruleId)?.role).toBe(allowed ? 'writer' : 'reader');
    },
  },
  {
    name: 'DELETE /v1/calendars/{id}/acl/{ruleId}',
    expect: statuses(404, 403, 403, 403, 204),
    call: async (m, u) => {
      const ruleId = await m.freshRule();
      const res = await m.api.request(`/v1/calendars/${m.calendarId}/acl/${ruleId}`, {
        method: 'DELETE',
        token: u.token,
      });
      return Object.assign(res, { ruleId });
    },
    async check(m, res, allowed) {
      const { ruleId } = res as TestResponse & { ruleId: string };
      const rules = await m.api.request<{ items: AclRuleResponseDto[] }>(
        `/v1/calendars/${m.calendarId}/acl`,
        {
          token: m.owner.token,
        },
      );
      expect(rules.body.items.some((r) => r.id === ruleId)).toBe(!allowed);
    },
  },

  // ── Sync, iCalendar export and feeds, webhooks ──────────────────────────────────────────────
  {
    name: 'GET /v1/events/sync?calendarId',
    expect: statuses(404, 403, 200, 200, 200),
    call: (m, u) => m.api.request(`/v1/events/sync?calendarId=${m.calendarId}`, { token: u.token }),
    async check(_m, res, allowed, role) {
      if (allowed && role !== 'reader') expect(res.text).toContain(PRIVATE_MARK);
    },
  },
  {
    name: 'GET /v1/calendars/{id}/calendar.ics (freeBusyReader: the busy-only form)',
    expect: statuses(404, 200, 200, 200, 200),
    call: (m, u) => m.api.request(`/v1/calendars/${m.calendarId}/calendar.ics`, { token: u.token }),
    async check(_m, res, allowed, role) {
      if (!allowed) return;
      expect(res.text).toContain('BEGIN:VCALENDAR');
      if (role === 'freeBusyReader') expect(res.text).toContain('SUMMARY:Busy');
      else expect(res.text).toContain(MARK);
    },
  },
  {
    name: 'POST /v1/feeds {calendarId, kind: full} (then the feed itself)',
    expect: statuses(404, 403, 201, 201, 201),
    call: (m, u) =>
      m.api.request('/v1/feeds', {
        method: 'POST',
        token: u.token,
        json: { kind: 'full', calendarId: m.calendarId },
      }),
    async check(m, res, allowed, role) {
      if (!allowed) return;
      const feed = await m.api.request(new URL((res.body as { url: string }).url).pathname);
      expect(feed.status).toBe(200);
      expect(feed.text).toContain(MARK);
      if (role === 'reader') expect(feed.text).not.toContain(PRIVATE_MARK);
    },
  },
  {
    name: 'POST /v1/feeds {calendarId, kind: freebusy} (then the feed itself)',
    expect: statuses(404, 201, 201, 201, 201),
    call: (m, u) =>
      m.api.request('/v1/feeds', {
        method: 'POST',
        token: u.token,
        json: { kind: 'freebusy', calendarId: m.calendarId },
      }),
    async check(m, res, allowed) {
      if (!allowed) return;
      const feed = await m.api.request(new URL((res.body as { url: string }).url).pathname);
      expect(feed.status).toBe(200);
      expect(feed.text).toContain('SUMMARY:Busy');
      expect(feed.text).not.toContain(MARK);
      expect(feed.text).not.toContain(PRIVATE_MARK);
    },
  },
  {
    name: 'POST /v1/webhooks {calendarIds}',
    expect: statuses(404, 403, 201, 201, 201),
    call: (m, u) =>
      m.api.request('/v1/webhooks', {
        method: 'POST',
        token: u.token,
        // The discard port: nothing is meant to arrive; the row is about who may watch.
        json: { url: 'http://127.0.0.1:9/hook', events: ['event.created'], calendarIds: [m.calendarId] },
      }),
    async check(m, res, allowed, role) {
      const mine = await m.api.request<{ items: { calendarIds: string[] }[] }>('/v1/webhooks', {
        token: m.as[role].token,
      });
      expect(mine.body.items.some((w) => w.calendarIds.includes(m.calendarId))).toBe(allowed);
    },
  },

  // ── Free/busy and slots: the owner's primary calendar, shared with each role the same way ────
  {
    name: "GET /v1/availability/free-busy?emails=<the owner's>",
    expect: statuses(200, 200, 200, 200, 200),
    call: (m, u) =>
      m.api.request(`/v1/availability/free-busy?${WINDOW}&emails=${encodeURIComponent(m.owner.email)}`, {
        token: u.token,
      }),
    async check(m, res, _allowed, role) {
      const [person] = (res.body as { people: { email: string; busy?: unknown[]; error?: string }[] }).people;
      if (role === 'none') expect(person).toEqual({ email: m.owner.email, error: 'notVisible' });
      else expect(person.busy?.length).toBeGreaterThan(0);
    },
  },
  {
    name: "POST /v1/availability/slots {attendees: [the owner's]}",
    expect: statuses(200, 200, 200, 200, 200),
    call: (m, u) =>
      m.api.request('/v1/availability/slots', {
        method: 'POST',
        token: u.token,
        json: {
          from: '2027-05-03T00:00:00Z',
          to: '2027-05-08T00:00:00Z',
          durationMinutes: 30,
          attendees: [m.owner.email],
          workingHoursOnly: false,
        },
      }),
    async check(m, res, _allowed, role) {
      const body = res.body as { notVisible: string[] };
      expect(body.notVisible).toEqual(role === 'none' ? [m.owner.email] : []);
    },
  },
];

const rows = ROUTES.flatMap((route) => ROLES.map((role) => [route.name, role, route] as const));

describe('permission matrix: every route × every role on the calendar', () => {
  let m: Matrix;

  beforeAll(async () => {
    const api = await startTestApi(await testConfig());
    const [owner, none, freeBusyReader, reader, writer, aclOwner] = await Promise.all(
      Array.from({ length: 6 }, () => registerUser(api, { timeZone: 'UTC' })),
    );
    const as: Record<Role, TestUser> = { none, freeBusyReader, reader, writer, owner: aclOwner };
    const shareAll = async (calendarId: string) => {
      for (const role of ROLES.slice(1)) {
        const res = await api.request(`/v1/calendars/${calendarId}/acl`, {
          method: 'POST',
          token: owner.token,
          json: { email: as[role].email, role },
        });
        expect(res.status).toBe(201);
      }
    };
    const newCalendar = async (name: string) => {
      const res = await api.request<CalendarResponseDto>('/v1/calendars', {
        method: 'POST',
        token: owner.token,
        json: { name },
      });
      await shareAll(res.body.id);
      return res.body.id;
    };
    const calendarId = await newCalendar('Shared');
    // The owner's primary, shared the same way, with a marked event: free/busy and slots read it.
    await shareAll('primary');
    const primaryEvent = await api.request('/v1/events', {
      method: 'POST',
      token: owner.token,
      json: {
        title: `${MARK} in primary`,
        location: `room ${MARK}`,
        start: '2027-05-04T09:00',
        end: '2027-05-04T17:00',
      },
    });
    expect(primaryEvent.status).toBe(201);
    let day = 0;
    const freshEvent = async (mark = MARK, extra: Record<string, unknown> = {}) => {
      day = (day % 27) + 1;
      const res = await api.request<EventWriteResponseDto>('/v1/events', {
        method: 'POST',
        token: owner.token,
        json: {
          title: `${mark} review`,
          description: `notes ${mark}`,
          location: `room ${mark}`,
          attendees: [`${mark}@example.com`],
          start: `2027-05-${String(day).padStart(2, '0')}T09:00`,
          calendarId,
          ...extra,
        },
      });
      expect(res.status).toBe(201);
      return res.body.event;
    };
    m = {
      api,
      owner,
      calendarId,
      as,
      freshEvent,
      freshCalendar: () => newCalendar('Fresh'),
      async freshRule() {
        const res = await api.request<AclRuleResponseDto>(`/v1/calendars/${calendarId}/acl`, {
          method: 'POST',
          token: owner.token,
          json: { email: uniqueAddress(), role: 'reader' },
        });
        return res.body.id;
      },
      ownerView: (id) => api.request<EventResponseDto>(`/v1/events/${id}`, { token: owner.token }),
    };
    // Standing content every listing row sees: one event of each visibility.
    await freshEvent();
    await freshEvent(PRIVATE_MARK, { visibility: 'private' });
  });
  afterAll(() => m?.api.close());

  it.each(rows)('%s as %s', async (_name, role, route) => {
    const res = await route.call(m, m.as[role]);
    expect({ role, status: res.status }).toEqual({ role, status: route.expect[role] });
    // Nothing of the owner's events to a role too low to see it: no role and freeBusyReader see
    // neither marker, a reader never the private event's.
    if (role === 'none' || role === 'freeBusyReader') expect(res.text).not.toContain(MARK);
    if (role === 'none' || role === 'freeBusyReader' || role === 'reader')
      expect(res.text).not.toContain(PRIVATE_MARK);
    await route.check?.(m, res, ok(res), role);
  });

  it('shows a reader the private event as busy only, in the listing and by id', async () => {
    const page = await m.api.request(`/v1/events?${WINDOW}&calendarIds=${m.calendarId}`, {
      token: m.as.reader.token,
    });
    const busy = (page.body.items as { title: string; visibility: string }[]).filter(
      (o) => o.visibility === 'private',
    );
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((o) => o.title === 'Busy')).toBe(true);
    // And the writer sees it whole: the markers are really there to be hidden.
    const writer = await m.api.request(`/v1/events?${WINDOW}&calendarIds=${m.calendarId}`, {
      token: m.as.writer.token,
    });
    expect(writer.text).toContain(PRIVATE_MARK);
    expect(writer.text).toContain(MARK);
  });
});
