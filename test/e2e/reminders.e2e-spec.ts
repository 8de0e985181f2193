import type { EventCreateDto, EventWriteResponseDto } from '@app/calendar';
import type { AppConfig } from '@app/config';
import { REMINDER_LATE_AFTER_MS, ReminderQueue, WebhookCreatedResponseDto } from '@app/webhooks';
import { waitFor } from '../support/eventually';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { testConfig } from '../support/test-env';
import { registerUser, TestUser } from '../support/users';
import { Receiver, Received, signedBy } from '../support/webhook-receiver';

interface ReminderBody {
  id: string;
  type: string;
  data: {
    event: { id: string; title: string };
    occurrence: { originalStart: string; start: string; end: string };
    minutesBefore: number;
    remindAt: string;
    late: boolean;
  };
}

const body = (r: Received) => JSON.parse(r.body) as ReminderBody;

/**
 * Reminders fire from BullMQ delayed jobs: two API replicas share one FerretDB database and one
 * Redis (as pods do), and the webhook receiver is a local server. An event starting ~62 s ahead
 * with a 1-minute reminder is due in ~2 s, so nothing waits the whole minute.
 */
describe('reminders fire once, as event.reminder webhooks, across replicas and restarts', () => {
  let config: AppConfig;
  let a: TestApi;
  let b: TestApi;
  let alice: TestUser;
  let rx: Receiver;
  let hook: WebhookCreatedResponseDto;

  beforeAll(async () => {
    config = await testConfig({ WEBHOOK_RETRY_BASE_MS: '100' });
    [a, b] = [await startTestApi(config), await startTestApi(config)];
    alice = await registerUser(a, { timeZone: 'UTC' });
    rx = await new Receiver().start();
    const res = await b.request<WebhookCreatedResponseDto>('/v1/webhooks', {
      method: 'POST',
      token: alice.token,
      json: { url: rx.url, events: ['event.reminder', 'event.deleted'] },
    });
    expect(res.status).toBe(201);
    hook = res.body;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await rx?.close();
  });

  /** Whole seconds (the recurrence engine keeps seconds), `secondsAhead` from now. */
  const startIn = (secondsAhead: number) =>
    new Date(Math.ceil(Date.now() / 1000) * 1000 + secondsAhead * 1000);
  const create = async (api: TestApi, title: string, start: Date, reminders = [1]) => {
    const json = { title, start: start.toISOString(), reminders } satisfies EventCreateDto;
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: alice.token,
      json,
    });
    expect(res.status).toBe(201);
    return res.body.event;
  };
  const remindersOf = (eventId: string) =>
    rx.requests.filter(
      (r) => r.headers['x-calendar-event'] === 'event.reminder' && body(r).data.event.id === eventId,
    );
  const delivered = (eventId: string, ms = 20_000) =>
    waitFor(`the reminder of ${eventId}`, ms, async () => remindersOf(eventId)[0]);
  /** Every reminder job of both replicas' shared queue has run (so a duplicate would have fired by now). */
  const drained = (api: TestApi) =>
    waitFor('the reminder queue to drain', 20_000, async () =>
      (await api.app.get(ReminderQueue).sample()).depth === 0 ? true : undefined,
    );

  it('delivers a 1-minute reminder once, signed, within seconds of its time, with two replicas running', async () => {
    const start = startIn(62);
    const event = await create(a, 'Standup', start);
    const due = start.getTime() - 60_000;
    const got = await delivered(event.id);
    expect(got.at).toBeGreaterThanOrEqual(due - 50);
    expect(got.at - due).toBeLessThan(5000);
    expect(signedBy(hook.secret, got)).toBe(true);
    expect(body(got)).toMatchObject({
      type: 'event.reminder',
      data: {
        event: { id: event.id, title: 'Standup' },
        occurrence: { start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString() },
        minutesBefore: 1,
        remindAt: new Date(due).toISOString(),
        late: false,
      },
    });
    await drained(b);
    expect(remindersOf(event.id)).toHaveLength(1);
  });

  it('does not deliver a cancelled event’s reminder, and delivers a moved one once, at its new time', async () => {
    const start = startIn(62);
    const cancelled = await create(a, 'Cancelled', start);
    const moved = await create(a, 'Moved', start);
    const control = await create(b, 'Control', new Date(start.getTime() + 2000));
    // Cancelled and moved on the other replica than the one that scheduled them.
    expect(
      (await b.request(`/v1/events/${cancelled.id}`, { method: 'DELETE', token: alice.token })).status,
    ).toBe(204);
    const newStart = new Date(start.getTime() + 1000);
    const patched = await b.request<EventWriteResponseDto>(`/v1/events/${moved.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { start: newStart.toISOString(), end: new Date(newStart.getTime() + 3_600_000).toISOString() },
    });
    expect(patched.status).toBe(200);
    const got = await delivered(moved.id);
    expect(body(got).data.occurrence.start).toBe(newStart.toISOString());
    expect(got.at).toBeGreaterThanOrEqual(newStart.getTime() - 60_000 - 50);
    // The control's reminder is due after both: once it is in and the queue is empty, nothing else is coming.
    await delivered(control.id);
    await drained(a);
    expect(remindersOf(cancelled.id)).toHaveLength(0);
    expect(remindersOf(moved.id)).toHaveLength(1);
    expect(remindersOf(control.id)).toHaveLength(1);
  });

  it('delivers a reminder that fell due while every worker was down once, late, after a restart', async () => {
    const start = startIn(62);
    const event = await create(a, 'While down', start);
    const due = start.getTime() - 60_000;
    await Promise.all([a.close(), b.close()]);
    // Nothing runs to await while both replicas are down: wait out the due time plus the lateness bound.
    await new Promise((r) => setTimeout(r, Math.max(0, due + REMINDER_LATE_AFTER_MS + 500 - Date.now())));
    expect(remindersOf(event.id)).toHaveLength(0);
    a = await startTestApi(config);
    b = await startTestApi(config);
    const got = await delivered(event.id);
    expect(body(got).data.late).toBe(true);
    expect(got.at - due).toBeGreaterThanOrEqual(REMINDER_LATE_AFTER_MS);
    await drained(a);
    expect(remindersOf(event.id)).toHaveLength(1);
    const metrics = await a.request('/metrics');
    expect(metrics.text).toMatch(/^reminders_fired_total\{channel="webhook",outcome="late"\} [1-9]/m);
    expect(metrics.text).toMatch(/^reminder_queue_lag_seconds 0$/m);
  });

  it('refuses more than 5 reminders, or one outside 0–40,320 minutes, naming the field, and stores nothing', async () => {
    for (const reminders of [[1, 2, 3, 4, 5, 6], [-1], [40_321]]) {
      const res = await a.request<ApiErrorBody>('/v1/events', {
        method: 'POST',
        token: alice.token,
        json: { title: 'Too many', start: startIn(3600).toISOString(), reminders },
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error)).toContain('reminders');
    }
    const listed = await a.request<{ items: { title: string }[] }>(
      `/v1/events?from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(startIn(7200).toISOString())}`,
      { token: alice.token },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((e) => e.title)).not.toContain('Too many');
  });
});
