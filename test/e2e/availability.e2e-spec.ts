import { SlotHoldStore } from '@app/cache';
import type {
  EventWriteResponseDto,
  FreeBusyResponseDto,
  HoldListResponseDto,
  HoldResponseDto,
  SlotsResponseDto,
} from '@app/calendar';
import { DateTime } from 'luxon';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

/** Always in the future, so "no slot in the past" never bites. */
const YEAR = new Date().getUTCFullYear() + 1;
/** A wall-clock time in `zone` as a UTC instant, `…T07:00:00.000Z`. */
const local = (zone: string, iso: string) =>
  (DateTime.fromISO(iso, { zone }).toJSDate() as Date).toISOString();

/** The local date on which `zone` springs forward in March of YEAR (second Sunday in the US). */
function springForward(zone: string): string {
  for (let day = 1; day <= 31; day++) {
    const d = DateTime.fromObject({ year: YEAR, month: 3, day }, { zone });
    if (d.plus({ days: 1 }).offset !== d.offset) return d.toISODate() as string;
  }
  throw new Error('no DST change in March');
}

/** The first Monday of June of YEAR. */
const mondayInJune = (() => {
  let d = DateTime.fromObject({ year: YEAR, month: 6, day: 1 });
  while (d.weekday !== 1) d = d.plus({ days: 1 });
  return d.toISODate() as string;
})();
const next = (date: string, days: number) => DateTime.fromISO(date).plus({ days }).toISODate() as string;

describe('availability: free/busy, slots and holds against real FerretDB and Redis', () => {
  let api: TestApi;
  let alice: TestUser; // America/New_York
  let bob: TestUser; // Europe/Berlin

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    alice = await registerUser(api, { timeZone: 'America/New_York' });
    bob = await registerUser(api, { timeZone: 'Europe/Berlin' });
  });
  afterAll(() => api?.close());

  const create = async (user: TestUser, json: Record<string, unknown>) => {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      json,
      token: user.token,
    });
    expect(res.status).toBe(201);
    return res.body.event;
  };
  const slots = (user: TestUser, json: Record<string, unknown>) =>
    api.request<SlotsResponseDto>('/v1/availability/slots', { method: 'POST', json, token: user.token });

  it('expands a daily 09:00 series across the DST change: busy at 14:00Z before, 13:00Z after', async () => {
    const dst = springForward('America/New_York');
    await create(alice, {
      title: 'Standup',
      start: `${next(dst, -2)}T09:00`,
      end: `${next(dst, -2)}T10:00`,
      recurrence: 'FREQ=DAILY;COUNT=4',
    });
    await create(alice, {
      title: 'Focus (free)',
      start: `${next(dst, -1)}T12:00`,
      end: `${next(dst, -1)}T13:00`,
      transparency: 'transparent',
    });

    const res = await api.request<FreeBusyResponseDto>(
      `/v1/availability/free-busy?from=${local('America/New_York', `${next(dst, -2)}T00:00`)}&to=${local('America/New_York', `${next(dst, 2)}T00:00`)}`,
      { token: alice.token },
    );
    expect(res.status).toBe(200);
    // Without `emails`: the caller alone, at the top level (as before) and as the one person.
    const busy = res.body.busy ?? [];
    expect(res.body.people).toEqual([{ email: alice.email, busy }]);
    const utcDay = (date: string, h: number) =>
      DateTime.fromISO(date, { zone: 'utc' }).set({ hour: h }).toISO({ suppressMilliseconds: false });
    expect(busy.map((b: { start: string; end: string }) => [b.start, b.end])).toEqual([
      [utcDay(next(dst, -2), 14), utcDay(next(dst, -2), 15)],
      [utcDay(next(dst, -1), 14), utcDay(next(dst, -1), 15)],
      [utcDay(dst, 13), utcDay(dst, 14)], // EDT from 02:00 on
      [utcDay(next(dst, 1), 13), utcDay(next(dst, 1), 14)],
    ]);
    expect(busy.every((b: { startLocal: string }) => b.startLocal.includes('T09:00:00'))).toBe(true);
    expect(res.body.timeZone).toBe('America/New_York');
  });

  it('counts all-day events as busy for the whole local day unless transparent, and merges overlaps', async () => {
    const day = `${YEAR}-07-06`;
    await create(alice, { title: 'Offsite', start: day, allDay: true });
    await create(alice, {
      title: 'Birthday',
      start: next(day, 1),
      allDay: true,
      transparency: 'transparent',
    });
    await create(alice, { title: 'Dinner', start: `${day}T20:00`, end: `${day}T22:00` });
    const res = await api.request<FreeBusyResponseDto>(
      `/v1/availability/free-busy?from=${local('America/New_York', `${day}T00:00`)}&to=${local('America/New_York', `${next(day, 2)}T00:00`)}`,
      { token: alice.token },
    );
    expect(res.status).toBe(200);
    expect(res.body.busy).toEqual([
      {
        start: local('America/New_York', `${day}T00:00`),
        end: local('America/New_York', `${next(day, 1)}T00:00`),
        startLocal: `${day}T00:00:00-04:00`,
        endLocal: `${next(day, 1)}T00:00:00-04:00`,
      },
    ]);
  });

  it('answers 400 for a bad window', async () => {
    const res = await api.request<ApiErrorBody>(
      '/v1/availability/free-busy?from=2027-01-02T00:00:00Z&to=2027-01-01T00:00:00Z',
      { token: alice.token },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('to');
  });

  describe('slots', () => {
    const monday = mondayInJune;
    const berlin = (date: string, time: string) => local('Europe/Berlin', `${date}T${time}`);
    const window = { from: berlin(monday, '00:00'), to: berlin(next(monday, 1), '00:00') };
    const startsOf = (body: { slots: { startLocal: string }[] }) =>
      body.slots.map((s) => s.startLocal.slice(11, 16));

    beforeAll(async () => {
      await create(bob, { title: 'Review', start: `${monday}T10:00`, end: `${monday}T11:00` });
      await create(bob, {
        title: 'Workshop',
        start: `${next(monday, 1)}T09:00`,
        end: `${next(monday, 1)}T17:00`,
      });
    });

    it('lie inside working hours (09:00–17:00 Berlin), around events, earliest first', async () => {
      const res = await slots(bob, { ...window, durationMinutes: 60 });
      expect(res.status).toBe(200);
      expect(res.body.reason).toBeNull();
      expect(startsOf(res.body)).toEqual([
        '09:00',
        '11:00',
        '11:30',
        '12:00',
        '12:30',
        '13:00',
        '13:30',
        '14:00',
        '14:30',
        '15:00',
        '15:30',
        '16:00',
      ]);
      expect(res.body.slots[0]).toMatchObject({
        start: berlin(monday, '09:00'),
        startLocal: `${monday}T09:00:00+02:00`,
      });
    });

    it('keep a buffer around busy times', async () => {
      const res = await slots(bob, { ...window, durationMinutes: 60, bufferMinutes: 15 });
      expect(startsOf(res.body)[0]).toBe('11:30');
      expect(startsOf(res.body)).not.toContain('09:00'); // would end 10:00, inside the buffer before 10:00
    });

    it('leave out held time; a hold expires on its own and can be released', async () => {
      const hold = await api.request<HoldResponseDto>('/v1/availability/holds', {
        method: 'POST',
        token: bob.token,
        json: { start: berlin(monday, '11:30'), end: berlin(monday, '12:30') },
      });
      expect(hold.status).toBe(201);
      const expiresIn = Date.parse(hold.body.expiresAt) - Date.now();
      expect(expiresIn).toBeGreaterThan(290_000);
      expect(expiresIn).toBeLessThanOrEqual(300_000);

      const held = await slots(bob, { ...window, durationMinutes: 60 });
      expect(startsOf(held.body).slice(0, 3)).toEqual(['09:00', '12:30', '13:00']);

      // The same time again, or busy time, cannot be held.
      const again = await api.request('/v1/availability/holds', {
        method: 'POST',
        token: bob.token,
        json: { start: berlin(monday, '12:00'), end: berlin(monday, '12:30') },
      });
      expect(again.status).toBe(409);
      const busy = await api.request('/v1/availability/holds', {
        method: 'POST',
        token: bob.token,
        json: { start: berlin(monday, '10:30'), end: berlin(monday, '11:00') },
      });
      expect(busy.status).toBe(409);

      const listed = await api.request<HoldListResponseDto>('/v1/availability/holds', { token: bob.token });
      expect(listed.body.items.map((h: { id: string }) => h.id)).toEqual([hold.body.id]);
      // Another user cannot release it.
      expect(
        (
          await api.request(`/v1/availability/holds/${hold.body.id}`, {
            method: 'DELETE',
            token: alice.token,
          })
        ).status,
      ).toBe(404);
      expect(
        (await api.request(`/v1/availability/holds/${hold.body.id}`, { method: 'DELETE', token: bob.token }))
          .status,
      ).toBe(204);
      expect(
        (await api.request(`/v1/availability/holds/${hold.body.id}`, { method: 'DELETE', token: bob.token }))
          .status,
      ).toBe(404);
      expect(startsOf((await slots(bob, { ...window, durationMinutes: 60 })).body).slice(0, 2)).toEqual([
        '09:00',
        '11:00',
      ]);

      // Expiry is Redis's own TTL: a hold made with a short TTL is gone without anyone releasing it.
      const store = api.app.get(SlotHoldStore);
      const claim = await store.claim(
        bob.id,
        new Date(berlin(monday, '15:00')),
        new Date(berlin(monday, '15:30')),
        300,
      );
      expect(claim.kind).toBe('held');
      expect(await store.ttlMs(bob.id, claim.kind === 'held' ? claim.hold.id : '')).toBeGreaterThan(0);
      expect(startsOf((await slots(bob, { ...window, durationMinutes: 30 })).body)).not.toContain('15:00');
      await new Promise((r) => setTimeout(r, 600));
      expect(await store.ttlMs(bob.id, claim.kind === 'held' ? claim.hold.id : '')).toBe(-2);
      expect(startsOf((await slots(bob, { ...window, durationMinutes: 30 })).body)).toContain('15:00');
    });

    it('give the reason when nothing fits', async () => {
      const tuesday = next(monday, 1);
      const saturday = next(monday, 5);
      const fully = await slots(bob, {
        from: berlin(tuesday, '00:00'),
        to: berlin(next(tuesday, 1), '00:00'),
        durationMinutes: 30,
      });
      expect(fully.body).toEqual({
        slots: [],
        reason: 'fully_booked',
        timeZone: 'Europe/Berlin',
        notVisible: [],
      });

      const weekend = {
        from: berlin(saturday, '00:00'),
        to: berlin(next(saturday, 1), '00:00'),
        durationMinutes: 30,
      };
      expect((await slots(bob, weekend)).body).toMatchObject({ slots: [], reason: 'outside_working_hours' });
      const anyTime = await slots(bob, { ...weekend, workingHoursOnly: false, maxResults: 3 });
      expect(startsOf(anyTime.body)).toEqual(['00:00', '00:30', '01:00']);

      const short = await slots(bob, {
        from: berlin(monday, '12:00'),
        to: berlin(monday, '12:20'),
        durationMinutes: 30,
      });
      expect(short.body).toMatchObject({ slots: [], reason: 'window_too_short' });
      const past = await slots(bob, {
        from: '2020-01-06T00:00:00Z',
        to: '2020-01-07T00:00:00Z',
        durationMinutes: 30,
      });
      expect(past.body).toMatchObject({ slots: [], reason: 'window_too_short' });
    });

    it('follow changed working hours and validate the request', async () => {
      const patched = await api.request('/v1/me', {
        method: 'PATCH',
        token: bob.token,
        json: { workingHours: { days: [1, 2, 3, 4, 5], start: '13:00', end: '15:00' } },
      });
      expect(patched.status).toBe(200);
      const res = await slots(bob, { ...window, durationMinutes: 60, stepMinutes: 15 });
      expect(startsOf(res.body)).toEqual(['13:00', '13:15', '13:30', '13:45', '14:00']);
      const bad = await api.request<ApiErrorBody>('/v1/availability/slots', {
        method: 'POST',
        json: { ...window, durationMinutes: 0, colour: 'red' },
        token: bob.token,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/durationMinutes/);
    });
  });
});
