import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@app/config';
import type { EventWriteResponseDto } from '@app/calendar';
import type {
  DeliveryListResponseDto,
  DeliveryResponseDto,
  WebhookCreatedResponseDto,
  WebhookCreateDto,
  WebhookListResponseDto,
} from '@app/webhooks';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';
import {
  createCalendar,
  createPrivateEvent,
  leaksSecret,
  SECRET_MARKER,
  share,
  unshare,
} from '../support/sharing';
import { registerUser, TestUser } from '../support/users';
import { Receiver, signedBy } from '../support/webhook-receiver';

/** The error of a refusal (typed: the happy-path DTO has none). */
const errorOf = (res: TestResponse<unknown>) => (res.body as ApiErrorBody).error;

const Y = new Date().getUTCFullYear() + 1;

async function eventually<T>(probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks against real FerretDB and Redis, with local receivers', () => {
  let config: AppConfig;
  let api: TestApi;
  let alice: TestUser;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    config = await testConfig({ WEBHOOK_RETRY_BASE_MS: '100' });
    api = await startTestApi(config);
    alice = await registerUser(api, { timeZone: 'Europe/Berlin' });
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  const subscribe = async (
    user: TestUser,
    url: string,
    events = ['event.created', 'event.updated', 'event.deleted'],
  ) => {
    const res = await api.request<WebhookCreatedResponseDto>('/v1/webhooks', {
      method: 'POST',
      token: user.token,
      json: { url, events },
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const createEvent = async (user: TestUser, title: string) => {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title, start: `${Y}-05-01T10:00` },
    });
    expect(res.status).toBe(201);
    return res.body.event;
  };
  const deliveries = async (user: TestUser, hookId: string) => {
    const res = await api.request<DeliveryListResponseDto>(`/v1/webhooks/${hookId}/deliveries`, {
      token: user.token,
    });
    expect(res.status).toBe(200);
    return res.body.items;
  };

  it('delivers created, updated and deleted events, signed with the secret shown once', async () => {
    const rx = await receiver();
    const hook = await subscribe(alice, rx.url);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await api.request<WebhookListResponseDto>('/v1/webhooks', { token: alice.token });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: hook.id, url: rx.url })]);
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);

    const event = await createEvent(alice, 'Signed');
    await api.request(`/v1/events/${event.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { title: 'Signed (renamed)' },
    });
    await api.request(`/v1/events/${event.id}`, { method: 'DELETE', token: alice.token });
    await eventually(async () => rx.requests.length >= 3);

    const bodies = rx.requests.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.type).sort()).toEqual(['event.created', 'event.deleted', 'event.updated']);
    const created = bodies.find((b) => b.type === 'event.created');
    expect(created).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      data: { event: { id: event.id, title: 'Signed', version: 1 } },
    });
    expect(bodies.find((b) => b.type === 'event.updated').data.event).toMatchObject({
      id: event.id,
      title: 'Signed (renamed)',
    });
    expect(bodies.find((b) => b.type === 'event.deleted').data.event).toEqual({
      id: event.id,
      uid: event.uid,
      deleted: true,
    });
    for (const r of rx.requests) {
      expect(signedBy(hook.secret, r)).toBe(true);
      expect(signedBy(`whsec_${randomBytes(32).toString('base64url')}`, r)).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-calendar-event']).toBe(JSON.parse(r.body).type);
      expect(r.headers['x-calendar-delivery']).toMatch(/^[0-9a-f]{24}$/);
    }

    const log = await eventually(async () => {
      const items = await deliveries(alice, hook.id);
      return items.length === 3 && items.every((d) => d.status === 'succeeded') && items;
    });
    expect(log[0].attempts).toEqual([
      expect.objectContaining({ statusCode: 200, latencyMs: expect.any(Number) }),
    ]);
    expect(
      (await api.request(`/v1/webhooks/${hook.id}`, { method: 'DELETE', token: alice.token })).status,
    ).toBe(204);
  });

  it('retries a failing receiver (500, then 200) with backoff, logs every attempt, and replays on request', async () => {
    const bob = await registerUser(api);
    const rx = await receiver();
    rx.plan = [500];
    const hook = await subscribe(bob, rx.url, ['event.created']);
    await createEvent(bob, 'Flaky');
    await eventually(async () => rx.requests.length >= 2);
    expect(rx.requests[0].body).toBe(rx.requests[1].body);
    expect(rx.requests.every((r) => signedBy(hook.secret, r))).toBe(true);
    expect(rx.requests[1].at - rx.requests[0].at).toBeGreaterThanOrEqual(80); // the backoff base (100 ms, ±10 %)

    const [delivery] = await eventually(async () => {
      const items = await deliveries(bob, hook.id);
      return items[0]?.status === 'succeeded' && items;
    });
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 200]);

    const replay = await api.request<DeliveryResponseDto>(
      `/v1/webhooks/${hook.id}/deliveries/${delivery.id}/replay`,
      {
        method: 'POST',
        token: bob.token,
      },
    );
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({
      replayOf: delivery.id,
      notificationId: delivery.notificationId,
      status: 'pending',
    });
    await eventually(async () => rx.requests.length >= 3);
    expect(rx.requests[2].body).toBe(rx.requests[0].body);
    expect(signedBy(hook.secret, rx.requests[2])).toBe(true);
    const log = await eventually(async () => {
      const items = await deliveries(bob, hook.id);
      return items.length === 2 && items[0].status === 'succeeded' && items;
    });
    expect(log[0]).toMatchObject({ id: replay.body.id, replayOf: delivery.id });

    // Another user cannot see or replay it.
    expect((await api.request(`/v1/webhooks/${hook.id}/deliveries`, { token: alice.token })).status).toBe(
      404,
    );
    expect(
      (
        await api.request(`/v1/webhooks/${hook.id}/deliveries/${delivery.id}/replay`, {
          method: 'POST',
          token: alice.token,
        })
      ).status,
    ).toBe(404);

    const metrics = (await api.request('/metrics')).text;
    expect(metrics).toMatch(/webhook_deliveries_total\{outcome="success"\} [1-9]/);
    expect(metrics).toMatch(/webhook_deliveries_total\{outcome="http_error"\} [1-9]/);
    expect(metrics).toMatch(/webhook_delivery_duration_seconds_count [1-9]/);
  });

  it('never slows the API down with a slow receiver', async () => {
    const carol = await registerUser(api);
    const rx = await receiver();
    rx.delayMs = 3000;
    await subscribe(carol, rx.url, ['event.created']);
    const started = Date.now();
    await createEvent(carol, 'Fast');
    // Sent on the request path, the create would wait out the receiver's 3 s.
    expect(Date.now() - started).toBeLessThan(rx.delayMs);
    await eventually(async () => rx.requests.length >= 1);
  });

  it('loses no pending delivery across a restart', async () => {
    const dave = await registerUser(api);
    const rx = await receiver();
    rx.plan = [503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503];
    const hook = await subscribe(dave, rx.url, ['event.created']);
    await createEvent(dave, 'Survives');
    await eventually(async () => rx.requests.length >= 1);
    await api.close();
    rx.plan = [];
    api = await startTestApi(config);
    const [delivery] = await eventually(async () => {
      const items = await deliveries(dave, hook.id);
      return items[0]?.status === 'succeeded' && items;
    }, 20_000);
    expect(delivery.attempts.at(-1)?.statusCode).toBe(200);
    expect(delivery.attempts.length).toBeGreaterThanOrEqual(2);
  });

  describe('of shared calendars', () => {
    let owner: TestUser;
    let reader: TestUser;
    let freeBusy: TestUser;
    let stranger: TestUser;
    let team: string;
    let readerRule: string;

    beforeAll(async () => {
      [owner, reader, freeBusy, stranger] = await Promise.all([0, 1, 2, 3].map(() => registerUser(api)));
      team = await createCalendar(api, owner);
      readerRule = await share(api, owner, team, reader, 'reader');
      await share(api, owner, team, freeBusy, 'freeBusyReader');
    });

    const create = (user: TestUser, json: WebhookCreateDto) =>
      api.request<WebhookCreatedResponseDto>('/v1/webhooks', { method: 'POST', token: user.token, json });
    const hooksOf = async (user: TestUser) =>
      (await api.request<WebhookListResponseDto>('/v1/webhooks', { token: user.token })).body.items;

    it('watches the primary by default, and only calendars the caller can read: 403 below reader, 404 without a role', async () => {
      const rx = await receiver();
      const own = await create(owner, { url: rx.url, events: ['event.created'] });
      expect(own.status).toBe(201);
      expect(own.body.calendarIds).toEqual([owner.id]);

      const fb = await create(freeBusy, { url: rx.url, events: ['event.created'], calendarIds: [team] });
      expect({ status: fb.status, code: errorOf(fb)?.code }).toEqual({ status: 403, code: 'forbidden' });
      expect(errorOf(fb).message).toContain('reader');
      const none = await create(stranger, { url: rx.url, events: ['event.created'], calendarIds: [team] });
      expect(none.status).toBe(404);
      // One calendar refused refuses the whole subscription.
      const mixed = await create(stranger, {
        url: rx.url,
        events: ['event.created'],
        calendarIds: ['primary', team],
      });
      expect(mixed.status).toBe(404);
      expect(await hooksOf(freeBusy)).toEqual([]);
      expect(await hooksOf(stranger)).toEqual([]);
      const bad = await create(stranger, { url: rx.url, events: ['event.created'], calendarIds: ['nope'] });
      expect(bad.status).toBe(400);
      expect(errorOf(bad).message).toContain('calendarIds');
    });

    it("delivers a shared calendar's changes to a reader, private events as busy only, and stops when the share is revoked", async () => {
      const readerRx = await receiver();
      const ownerRx = await receiver();
      // The reader's subscription is made first, so it is dispatched first for every change.
      const readerHook = await create(reader, {
        url: readerRx.url,
        events: ['event.created', 'event.updated'],
        calendarIds: [team, 'primary', team],
      });
      expect(readerHook.status).toBe(201);
      expect(readerHook.body.calendarIds).toEqual([team, reader.id]);
      const ownerHook = await create(owner, {
        url: ownerRx.url,
        events: ['event.created', 'event.updated'],
        calendarIds: [team],
      });
      expect(ownerHook.status).toBe(201);
      expect((await hooksOf(reader)).map((h) => h.calendarIds)).toEqual([[team, reader.id]]);

      const secret = await createPrivateEvent(api, owner, team, `${Y}-06-01T09:00`);
      await eventually(async () => readerRx.requests.length >= 1 && ownerRx.requests.length >= 1);
      const toReader = JSON.parse(readerRx.requests[0].body);
      expect(toReader.data.event).toMatchObject({
        id: secret.id,
        calendarId: team,
        title: 'Busy',
        description: null,
        location: null,
        attendees: [],
      });
      expect(leaksSecret(readerRx.requests[0].body)).toBe(false);
      expect(signedBy(readerHook.body.secret, readerRx.requests[0])).toBe(true);
      expect(JSON.parse(ownerRx.requests[0].body).data.event).toMatchObject({
        id: secret.id,
        title: `Offer talks ${SECRET_MARKER}`,
      });
      // The same notification id on both sides, for the same change.
      expect(toReader.id).toBe(JSON.parse(ownerRx.requests[0].body).id);
      // The reader's log shows it; the owner cannot see the reader's subscription.
      expect(await deliveries(reader, readerHook.body.id)).toHaveLength(1);
      expect(
        (await api.request(`/v1/webhooks/${readerHook.body.id}/deliveries`, { token: owner.token })).status,
      ).toBe(404);

      await unshare(api, owner, team, readerRule);
      await api.request(`/v1/events/${secret.id}`, {
        method: 'PATCH',
        token: owner.token,
        json: { title: `Offer signed ${SECRET_MARKER}` },
      });
      await eventually(async () => ownerRx.requests.length >= 2);
      // The reader's subscription came first in the dispatch of that change: had it been sent, it would be logged by now.
      expect(await deliveries(reader, readerHook.body.id)).toHaveLength(1);
      expect(readerRx.requests).toHaveLength(1);
      // Their own primary is still watched.
      await createEvent(reader, 'Mine');
      await eventually(async () => readerRx.requests.length >= 2);
      expect(JSON.parse(readerRx.requests[1].body).data.event.title).toBe('Mine');
    });

    it('tells the watchers of the calendar an event left that it is gone there, and those of the new one that it changed', async () => {
      const leftRx = await receiver();
      const arrivedRx = await receiver();
      const other = await createCalendar(api, owner);
      const left = await create(owner, { url: leftRx.url, events: ['event.deleted'], calendarIds: [team] });
      const arrived = await create(owner, {
        url: arrivedRx.url,
        events: ['event.updated'],
        calendarIds: [other],
      });
      expect([left.status, arrived.status]).toEqual([201, 201]);
      const event = await createPrivateEvent(api, owner, team, `${Y}-06-03T09:00`);
      const moved = await api.request(`/v1/events/${event.id}`, {
        method: 'PATCH',
        token: owner.token,
        json: { calendarId: other },
      });
      expect(moved.status).toBe(200);
      await eventually(async () => leftRx.requests.length >= 1 && arrivedRx.requests.length >= 1);
      expect(JSON.parse(leftRx.requests[0].body)).toMatchObject({
        type: 'event.deleted',
        data: { event: { id: event.id, deleted: true } },
      });
      expect(JSON.parse(arrivedRx.requests[0].body)).toMatchObject({
        type: 'event.updated',
        data: { event: { id: event.id, calendarId: other } },
      });
    });

    it('cancels a delivery still being retried when its owner loses the calendar', async () => {
      const carol = await registerUser(api);
      const rule = await share(api, owner, team, carol, 'reader');
      const rx = await receiver();
      rx.plan = Array.from({ length: 20 }, () => 500);
      const hook = await create(carol, { url: rx.url, events: ['event.created'], calendarIds: [team] });
      expect(hook.status).toBe(201);
      await createPrivateEvent(api, owner, team, `${Y}-06-02T09:00`);
      await eventually(async () => rx.requests.length >= 1);
      await unshare(api, owner, team, rule);
      const [delivery] = await eventually(async () => {
        const items = await deliveries(carol, hook.body.id);
        return items[0]?.status === 'cancelled' && items;
      });
      expect(rx.requests).toHaveLength(delivery.attempts.length);
      expect(rx.requests.some((r) => leaksSecret(r.body))).toBe(false);
    });
  });

  it('refuses URLs it may not call: non-loopback http outside production, bad event types', async () => {
    for (const url of ['http://10.0.0.1/hook', 'http://192.168.1.10/hook', 'ftp://127.0.0.1/', 'not a url']) {
      const res = await api.request('/v1/webhooks', {
        method: 'POST',
        token: alice.token,
        json: { url, events: ['event.created'] },
      });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body.error.message).toContain('url');
    }
    const badType = await api.request('/v1/webhooks', {
      method: 'POST',
      token: alice.token,
      json: { url: 'http://127.0.0.1:9/x', events: ['event.exploded'] },
    });
    expect(badType.status).toBe(400);
  });
});

describe('webhook URLs under the production configuration (SSRF)', () => {
  let api: TestApi;
  let user: TestUser;

  beforeAll(async () => {
    api = await startTestApi(
      await testConfig({ NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex') }),
    );
    user = await registerUser(api);
  });
  afterAll(() => api?.close());

  it.each([
    'https://127.0.0.1/hook',
    'https://10.0.0.1/hook',
    'https://172.16.5.4/hook',
    'https://192.168.0.1/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[fd00::1]/hook',
    'https://localhost/hook',
    'http://93.184.216.34/hook',
  ])('refuses %s with 400', async (url) => {
    const res = await api.request('/v1/webhooks', {
      method: 'POST',
      token: user.token,
      json: { url, events: ['event.created'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'url' })]);
  });
});
