import type { CalendarResponseDto, EventWriteResponseDto } from '@app/calendar';
import type { AppConfig } from '@app/config';
import { ReminderQueue, WebhookCreatedResponseDto } from '@app/webhooks';
import { waitFor } from '../support/eventually';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { testConfig } from '../support/test-env';
import { registerUser, TestUser } from '../support/users';
import { Receiver, Received, signedBy } from '../support/webhook-receiver';

interface ReminderBody {
  type: string;
  data: {
    event: { id: string; calendarId: string; title: string; reminders: number[]; responseStatus?: string };
    minutesBefore: number;
    late: boolean;
  };
}
const body = (r: Received) => JSON.parse(r.body) as ReminderBody;

/**
 * Reminders per person (issue 16): each attendee's own, each calendar's defaultReminders, fired once
 * per occurrence per person to that person's subscriptions. An event ~62 s ahead with a 1-minute
 * reminder is due in ~2 s, so nothing waits the whole minute.
 */
describe('reminders per person: attendees’ own, calendars’ defaults', () => {
  let config: AppConfig;
  let api: TestApi;
  let alex: TestUser; // organizer: no reminders of his own, no defaults
  let bea: TestUser; // sets her own reminder
  let carl: TestUser; // relies on his calendar's defaultReminders
  let dora: TestUser; // declines
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
        json: { url: rx[name].url, events: ['event.reminder'] },
      });
      expect(res.status).toBe(201);
      hooks[name] = res.body;
    }
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all(Object.values(rx).map((r) => r.close()));
  });

  const startIn = (secondsAhead: number) =>
    new Date(Math.ceil(Date.now() / 1000) * 1000 + secondsAhead * 1000);
  const create = async (u: TestUser, json: Record<string, unknown>) => {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: u.token,
      json,
    });
    expect(res.status).toBe(201);
    return res.body.event;
  };
  const remindersAt = (name: string, eventId: string) =>
    rx[name].requests.filter((r) => body(r).type === 'event.reminder' && body(r).data.event.id === eventId);
  const delivered = (name: string, eventId: string) =>
    waitFor(`${name}'s reminder of ${eventId}`, 20_000, async () => remindersAt(name, eventId)[0]);
  const drained = () =>
    waitFor('the reminder queue to drain', 20_000, async () =>
      (await api.app.get(ReminderQueue).sample()).depth === 0 ? true : undefined,
    );

  it('a calendar keeps defaultReminders (POST, PATCH, GET), 0–40,320 minutes, at most 5', async () => {
    const made = await api.request<CalendarResponseDto>('/v1/calendars', {
      method: 'POST',
      token: carl.token,
      json: { name: 'Side', defaultReminders: [30] },
    });
    expect(made.status).toBe(201);
    expect(made.body.defaultReminders).toEqual([30]);
    const patched = await api.request<CalendarResponseDto>('/v1/calendars/primary', {
      method: 'PATCH',
      token: carl.token,
      json: { defaultReminders: [1] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.defaultReminders).toEqual([1]);
    expect(
      (await api.request<CalendarResponseDto>('/v1/calendars/primary', { token: carl.token })).body
        .defaultReminders,
    ).toEqual([1]);
    for (const defaultReminders of [[40_321], [1, 2, 3, 4, 5, 6], [-1]]) {
      const bad = await api.request<ApiErrorBody>('/v1/calendars/primary', {
        method: 'PATCH',
        token: carl.token,
        json: { defaultReminders },
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.error)).toContain('defaultReminders');
    }
    expect(
      (await api.request<CalendarResponseDto>('/v1/calendars/primary', { token: carl.token })).body
        .defaultReminders,
    ).toEqual([1]);
  });

  it('an attendee sets only their own reminders (bad ones 400, other fields 403), and sees them, not the organizer’s', async () => {
    const meeting = await create(alex, {
      title: 'Own reminders',
      start: '2027-10-04T09:00:00Z',
      attendees: [bea.email],
      reminders: [30],
    });
    const patch = (json: Record<string, unknown>) =>
      api.request<EventWriteResponseDto & ApiErrorBody>(`/v1/events/${meeting.id}`, {
        method: 'PATCH',
        token: bea.token,
        json,
      });
    for (const reminders of [[40_321], [1, 2, 3, 4, 5, 6]]) {
      const bad = await patch({ reminders });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.error)).toContain('reminders');
    }
    expect((await patch({ reminders: [5], title: 'Mine now' })).status).toBe(403);
    const mine = await patch({ reminders: [5, 15] });
    expect(mine.status).toBe(200);
    expect(mine.body.event).toMatchObject({ calendarId: bea.id, reminders: [5, 15], sequence: 0 });
    // The organizer's own stay his, and nobody sees Bea's.
    const his = await api.request<EventWriteResponseDto['event']>(`/v1/events/${meeting.id}`, {
      token: alex.token,
    });
    expect(his.body).toMatchObject({ reminders: [30], title: 'Own reminders' });
    // The guest list carries nobody's reminders (a substring check would trip on random addresses).
    for (const a of his.body.attendees ?? []) expect(Object.keys(a)).not.toContain('reminders');
    expect(JSON.stringify(his.body)).not.toContain('[5,15]');
    // Cancelled: its (far-off) reminder jobs leave the queue, which the next test drains.
    expect(
      (await api.request(`/v1/events/${meeting.id}`, { method: 'DELETE', token: alex.token })).status,
    ).toBe(204);
  });

  it('fires once per person: B’s own reminder to B, C’s calendar default to C, nothing to D who declined or to A who has none', async () => {
    const start = startIn(64);
    const meeting = await create(alex, {
      title: 'Per person',
      start: start.toISOString(),
      attendees: [bea.email, carl.email, dora.email],
    });
    // D declines, B sets her own 1-minute reminder; C has set none (his primary's defaultReminders is [1]).
    expect(
      (
        await api.request(`/v1/events/${meeting.id}/rsvp`, {
          method: 'POST',
          token: dora.token,
          json: { response: 'declined' },
        })
      ).status,
    ).toBe(200);
    const set = await api.request(`/v1/events/${meeting.id}`, {
      method: 'PATCH',
      token: bea.token,
      json: { reminders: [1] },
    });
    expect(set.status).toBe(200);
    // And C's own event without reminders of its own gets his calendar's default too.
    const own = await create(carl, { title: 'Carl alone', start: startIn(65).toISOString() });

    const beas = await delivered('bea', meeting.id);
    expect(signedBy(hooks.bea.secret, beas)).toBe(true);
    expect(body(beas).data).toMatchObject({
      event: { id: meeting.id, calendarId: bea.id, title: 'Per person', reminders: [1] },
      minutesBefore: 1,
      late: false,
    });
    expect(beas.at - (start.getTime() - 60_000)).toBeLessThan(5000);
    const carls = await delivered('carl', meeting.id);
    expect(body(carls).data).toMatchObject({ event: { calendarId: carl.id }, minutesBefore: 1 });
    expect(body(await delivered('carl', own.id)).data.minutesBefore).toBe(1);
    await drained();
    expect(remindersAt('bea', meeting.id)).toHaveLength(1);
    expect(remindersAt('carl', meeting.id)).toHaveLength(1);
    expect(remindersAt('carl', own.id)).toHaveLength(1);
    expect(remindersAt('dora', meeting.id)).toHaveLength(0);
    expect(remindersAt('alex', meeting.id)).toHaveLength(0);
    // Nobody got anyone else's.
    for (const name of ['alex', 'bea', 'dora'])
      expect(rx[name].requests.map((r) => body(r).data.event.id)).not.toContain(own.id);
  });
});
