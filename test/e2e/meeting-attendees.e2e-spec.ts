import type { EventResponseDto, EventWriteResponseDto, SyncResponseDto } from '@app/calendar';
import type { AppConfig } from '@app/config';
import type { WebhookCreatedResponseDto } from '@app/webhooks';
import { waitFor } from '../support/eventually';
import { startTestApi, TestApi } from '../support/test-app';
import { testConfig } from '../support/test-env';
import { registerUser, TestUser } from '../support/users';
import { Receiver, Received, signedBy } from '../support/webhook-receiver';

interface HookBody {
  id: string;
  type: string;
  data: {
    event: { id: string; calendarId?: string; title?: string; responseStatus?: string; deleted?: true };
    attendee?: { email: string };
    response?: string;
    comment?: string | null;
    scope?: string;
  };
}
const body = (r: Received) => JSON.parse(r.body) as HookBody;
type SyncItem = SyncResponseDto['items'][number] & { responseStatus?: string; deleted?: true };

/**
 * Invited meetings reach the attendee's account everywhere their primary calendar does (issue 16):
 * sync, webhooks (plus event.invited; event.responded to the organizer) and the ics export.
 */
describe('meetings on the attendee’s calendar: sync, webhooks and ics export', () => {
  let config: AppConfig;
  let api: TestApi;
  let alex: TestUser; // organizer
  let bea: TestUser; // invited, has an account
  let carl: TestUser; // invited, then taken off
  let dora: TestUser; // never invited
  const rx: Record<string, Receiver> = {};
  const hooks: Record<string, WebhookCreatedResponseDto> = {};

  beforeAll(async () => {
    config = await testConfig({ WEBHOOK_RETRY_BASE_MS: '100' });
    api = await startTestApi(config);
    [alex, bea, carl, dora] = await Promise.all(
      [0, 1, 2, 3].map(() => registerUser(api, { timeZone: 'UTC' })),
    );
    for (const [name, user] of Object.entries({ alex, bea, carl, dora })) {
      rx[name] = await new Receiver().start();
      const res = await api.request<WebhookCreatedResponseDto>('/v1/webhooks', {
        method: 'POST',
        token: user.token,
        json: {
          url: rx[name].url,
          events: ['event.created', 'event.updated', 'event.deleted', 'event.invited', 'event.responded'],
        },
      });
      expect(res.status).toBe(201);
      hooks[name] = res.body;
    }
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all(Object.values(rx).map((r) => r.close()));
  });

  const sync = async (u: TestUser, token?: string) => {
    const res = await api.request<SyncResponseDto>(
      `/v1/events/sync${token ? `?syncToken=${encodeURIComponent(token)}` : ''}`,
      { token: u.token },
    );
    expect(res.status).toBe(200);
    return { items: res.body.items as SyncItem[], next: res.body.nextSyncToken };
  };
  const received = (name: string, type: string, eventId: string) =>
    rx[name].requests.filter((r) => body(r).type === type && body(r).data.event.id === eventId);
  const arrives = (name: string, type: string, eventId: string, n = 1) =>
    waitFor(`${type} of ${eventId} at ${name}'s webhook`, 15_000, async () => {
      const got = received(name, type, eventId);
      return got.length >= n ? got : undefined;
    });

  it('B sees the meeting in B’s sync with B’s own response; taken off or cancelled, it is reported deleted; nobody else sees it', async () => {
    const { items: first, next: t0 } = await sync(bea);
    const { next: c0 } = await sync(carl);
    const { next: d0 } = await sync(dora);
    const created = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: alex.token,
      json: {
        title: 'Sync review',
        start: '2027-09-06T09:00:00Z',
        end: '2027-09-06T10:00:00Z',
        attendees: [bea.email, carl.email],
        visibility: 'private',
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.event.id;
    expect(first.map((i) => i.id)).not.toContain(id);

    // A full sync and an incremental one both carry it, on B's primary, with B's answer.
    const full = await sync(bea);
    expect(full.items.find((i) => i.id === id)).toMatchObject({
      calendarId: bea.id,
      title: 'Sync review',
      responseStatus: 'needsAction',
    });
    const inc = await sync(bea, t0);
    expect(inc.items.find((i) => i.id === id)).toMatchObject({
      calendarId: bea.id,
      responseStatus: 'needsAction',
    });

    // B accepts: the next sync has B's new answer.
    const rsvp = await api.request<EventResponseDto>(`/v1/events/${id}/rsvp`, {
      method: 'POST',
      token: bea.token,
      json: { response: 'accepted' },
    });
    expect(rsvp.status).toBe(200);
    const afterRsvp = await sync(bea, inc.next);
    expect(afterRsvp.items.find((i) => i.id === id)).toMatchObject({ responseStatus: 'accepted' });

    // A takes C off the list: C's sync reports it deleted; B's still has it.
    const patched = await api.request<EventWriteResponseDto>(`/v1/events/${id}`, {
      method: 'PATCH',
      token: alex.token,
      json: { attendees: [bea.email] },
    });
    expect(patched.status).toBe(200);
    const carlSync = await sync(carl, c0);
    expect(carlSync.items.filter((i) => i.id === id)).toEqual([
      { id, uid: created.body.event.uid, deleted: true },
    ]);
    expect((await sync(carl)).items.map((i) => i.id)).not.toContain(id);

    // Never invited, never a role: nothing of it in D's sync.
    expect((await sync(dora, d0)).items.map((i) => i.id)).not.toContain(id);
    expect((await sync(dora)).items.map((i) => i.id)).not.toContain(id);
    // A reader of B's primary calendar syncs B's own events there, not the meetings B is invited to.
    const shared = await api.request('/v1/calendars/primary/acl', {
      method: 'POST',
      token: bea.token,
      json: { email: dora.email, role: 'reader' },
    });
    expect(shared.status).toBe(201);
    const readerSync = await api.request<SyncResponseDto>(`/v1/events/sync?calendarId=${bea.id}`, {
      token: dora.token,
    });
    expect(readerSync.status).toBe(200);
    expect(readerSync.body.items.map((i) => i.id)).not.toContain(id);
    expect(readerSync.text).not.toContain('Sync review');

    // A cancels: B's sync reports it deleted.
    expect((await api.request(`/v1/events/${id}`, { method: 'DELETE', token: alex.token })).status).toBe(204);
    const afterCancel = await sync(bea, afterRsvp.next);
    expect(afterCancel.items.filter((i) => i.id === id)).toEqual([
      { id, uid: created.body.event.uid, deleted: true },
    ]);
  });

  it('B’s webhook gets the meeting and event.invited, A’s gets event.responded, C’s gets event.deleted when taken off, D’s nothing', async () => {
    const created = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: alex.token,
      json: {
        title: 'Hooked',
        start: '2027-09-07T09:00:00Z',
        end: '2027-09-07T10:00:00Z',
        attendees: [bea.email, carl.email],
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.event.id;
    const [invited] = await arrives('bea', 'event.invited', id);
    expect(signedBy(hooks.bea.secret, invited)).toBe(true);
    expect(body(invited).data.event).toMatchObject({ id, calendarId: bea.id, responseStatus: 'needsAction' });
    expect(body((await arrives('bea', 'event.created', id))[0]).data.event).toMatchObject({
      calendarId: bea.id,
    });
    // The organizer is not invited to their own meeting.
    await arrives('alex', 'event.created', id);
    expect(received('alex', 'event.invited', id)).toHaveLength(0);

    const rsvp = await api.request(`/v1/events/${id}/rsvp`, {
      method: 'POST',
      token: bea.token,
      json: { response: 'tentative', comment: 'If the train is on time' },
    });
    expect(rsvp.status).toBe(200);
    const [responded] = await arrives('alex', 'event.responded', id);
    expect(signedBy(hooks.alex.secret, responded)).toBe(true);
    expect(body(responded).data).toMatchObject({
      attendee: { email: bea.email },
      response: 'tentative',
      comment: 'If the train is on time',
      scope: 'all',
    });
    // B's own subscription sees B's new answer as an update.
    const updates = await arrives('bea', 'event.updated', id);
    expect(body(updates.at(-1) as Received).data.event.responseStatus).toBe('tentative');

    const patched = await api.request(`/v1/events/${id}`, {
      method: 'PATCH',
      token: alex.token,
      json: { attendees: [bea.email] },
    });
    expect(patched.status).toBe(200);
    const [gone] = await arrives('carl', 'event.deleted', id);
    expect(body(gone).data.event).toEqual({ id, uid: created.body.event.uid, deleted: true });

    // Replayed like any delivery: the same notification id, signed again.
    const log = await api.request<{ items: { id: string; eventType: string; notificationId: string }[] }>(
      `/v1/webhooks/${hooks.bea.id}/deliveries?limit=200`,
      { token: bea.token },
    );
    const original = log.body.items.find(
      (d) => d.eventType === 'event.invited' && d.notificationId === body(invited).id,
    );
    expect(original).toBeDefined();
    const replay = await api.request(`/v1/webhooks/${hooks.bea.id}/deliveries/${original?.id}/replay`, {
      method: 'POST',
      token: bea.token,
    });
    expect(replay.status).toBeLessThan(300);
    const again = await arrives('bea', 'event.invited', id, 2);
    expect(body(again[1]).id).toBe(body(invited).id);
    expect(signedBy(hooks.bea.secret, again[1])).toBe(true);

    expect((await api.request(`/v1/events/${id}`, { method: 'DELETE', token: alex.token })).status).toBe(204);
    await arrives('bea', 'event.deleted', id);
    expect(rx.dora.requests.filter((r) => body(r).data.event.id === id)).toHaveLength(0);
    expect(received('carl', 'event.deleted', id)).toHaveLength(1);
  });

  it('the ics export of B’s calendar has the meeting, with its SEQUENCE; D’s has not', async () => {
    const created = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: alex.token,
      json: {
        title: 'Exported',
        start: '2027-09-08T09:00:00Z',
        end: '2027-09-08T10:00:00Z',
        attendees: [bea.email],
      },
    });
    const { id, uid } = created.body.event;
    const retitled = await api.request<EventWriteResponseDto>(`/v1/events/${id}`, {
      method: 'PATCH',
      token: alex.token,
      json: { title: 'Exported, renamed' },
    });
    expect(retitled.body.event.sequence).toBe(1);
    const ics = await api.request('/v1/calendar.ics', { token: bea.token });
    expect(ics.status).toBe(200);
    // Unfolded (RFC 5545 folds lines at 75 octets).
    const vevent = ics.text
      .replace(/\r\n /g, '')
      .split('BEGIN:VEVENT')
      .find((v) => v.includes(`UID:${uid}`));
    expect(vevent).toBeDefined();
    expect(vevent).toContain('SUMMARY:Exported\\, renamed');
    expect(vevent).toMatch(/\r\nSEQUENCE:1\r\n/);
    expect(vevent).toContain(`mailto:${bea.email}`);
    // A feed of B's primary carries it too; D's export does not.
    const feed = await api.request<{ url: string }>('/v1/feeds', {
      method: 'POST',
      token: bea.token,
      json: { kind: 'full' },
    });
    expect(feed.status).toBe(201);
    const fed = await api.request(new URL(feed.body.url).pathname);
    expect(fed.status).toBe(200);
    expect(fed.text).toContain(`UID:${uid}`);
    expect((await api.request('/v1/calendar.ics', { token: dora.token })).text).not.toContain(uid);
    // Declined: off B's export.
    await api.request(`/v1/events/${id}/rsvp`, {
      method: 'POST',
      token: bea.token,
      json: { response: 'declined' },
    });
    expect((await api.request('/v1/calendar.ics', { token: bea.token })).text).not.toContain(uid);
  });
});
