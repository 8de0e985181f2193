import type {
  AclRuleCreateDto,
  EventWriteResponseDto,
  FreeBusyResponseDto,
  HoldCreateDto,
  HoldListResponseDto,
  HoldResponseDto,
  SlotQueryDto,
  SlotsResponseDto,
} from '@app/calendar';
import type { UserUpdateRequest } from '@app/identity';
import { DateTime } from 'luxon';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

/** Always in the future, so "no slot in the past" never bites. */
const YEAR = new Date().getUTCFullYear() + 1;
/** The Sunday on which the US springs forward (the second Sunday of March); Europe moves two or three weeks later. */
const usDst = (() => {
  let d = DateTime.fromObject({ year: YEAR, month: 3, day: 1 }, { zone: 'utc' });
  while (d.weekday !== 7) d = d.plus({ days: 1 });
  return d.plus({ days: 7 });
})();
const utc = (days: number, time: string) => `${usDst.plus({ days }).toISODate()}T${time}:00.000Z`;
const MARKER = 'ZQX-MARKER';

interface Person {
  user: TestUser;
  name: string;
  zone: string;
  hours: { days: number[]; start: string; end: string };
}

/** True when [start, end) lies on one working day of the person, inside their hours, on their own clock. */
function insideWorkingHours(p: Person, start: string, end: string): boolean {
  const s = DateTime.fromISO(start, { zone: p.zone });
  const e = DateTime.fromISO(end, { zone: p.zone });
  return (
    s.toISODate() === e.toISODate() &&
    p.hours.days.includes(s.weekday) &&
    s.toFormat('HH:mm') >= p.hours.start &&
    e.toFormat('HH:mm') <= p.hours.end
  );
}

describe('availability across people against real FerretDB and Redis', () => {
  let api: TestApi;
  let nora: Person; // New York: 08:00–12:00
  let leo: Person; // London: 08:00–16:00
  let priya: Person; // Kolkata: 13:00–21:00
  let stan: TestUser; // shares nothing

  const weekdays = [1, 2, 3, 4, 5];
  const person = async (name: string, zone: string, start: string, end: string): Promise<Person> => {
    const user = await registerUser(api, { name, timeZone: zone });
    const hours = { days: weekdays, start, end };
    const res = await api.request('/v1/me', {
      method: 'PATCH',
      token: user.token,
      json: { workingHours: hours } satisfies UserUpdateRequest,
    });
    expect(res.status).toBe(200);
    return { user, name, zone, hours };
  };
  const share = async (owner: TestUser, withUser: TestUser) => {
    const res = await api.request('/v1/calendars/primary/acl', {
      method: 'POST',
      token: owner.token,
      json: { email: withUser.email, role: 'freeBusyReader' } satisfies AclRuleCreateDto,
    });
    expect(res.status).toBe(201);
  };
  const create = async (user: TestUser, json: Record<string, unknown>) => {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      json,
      token: user.token,
    });
    expect(res.status).toBe(201);
    return res.body.event;
  };
  const slots = (user: TestUser, json: Partial<SlotQueryDto> & Record<string, unknown>) =>
    api.request<SlotsResponseDto>('/v1/availability/slots', { method: 'POST', json, token: user.token });
  const freeBusy = (user: TestUser, query: string) =>
    api.request<FreeBusyResponseDto>(`/v1/availability/free-busy?${query}`, { token: user.token });
  const hold = (user: TestUser, json: Omit<HoldCreateDto, 'attendees'> & { attendees?: string[] }) =>
    api.request<HoldResponseDto>('/v1/availability/holds', { method: 'POST', json, token: user.token });

  // Thursday before the US change to the Thursday after: two working days in EST, three in EDT.
  const week = { from: utc(-3, '00:00'), to: utc(4, '00:00') };
  const startsOn = (body: SlotsResponseDto, days: number) =>
    body.slots
      .map((s) => s.start)
      .filter((s) => s.startsWith(usDst.plus({ days }).toISODate() as string))
      .sort();

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    nora = await person('Nora', 'America/New_York', '08:00', '12:00');
    leo = await person('Leo', 'Europe/London', '08:00', '16:00');
    priya = await person('Priya', 'Asia/Kolkata', '13:00', '21:00');
    stan = await registerUser(api, { name: 'Stan', timeZone: 'Europe/Berlin' });
    await share(leo.user, nora.user);
    await share(priya.user, nora.user);
    await share(leo.user, priya.user);
    // Stan is busy too, with a title and place nobody else may see.
    await create(stan, {
      title: `Stan ${MARKER}`,
      location: `Room ${MARKER}`,
      start: `${usDst.plus({ days: 3 }).toISODate()}T10:00`,
      end: `${usDst.plus({ days: 3 }).toISODate()}T11:00`,
    });
  });
  afterAll(() => api?.close());

  it("Three people in three time zones: slots honour each one's working hours across a DST change", async () => {
    const attendees = [leo.user.email, priya.user.email];
    const before = await slots(nora.user, { ...week, durationMinutes: 30, attendees, maxResults: 100 });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ reason: null, notVisible: [], timeZone: 'America/New_York' });
    for (const slot of before.body.slots)
      for (const p of [nora, leo, priya])
        expect([p.name, slot.start, insideWorkingHours(p, slot.start, slot.end)]).toEqual([
          p.name,
          slot.start,
          true,
        ]);
    // EST (UTC-5): New York's 08:00 is 13:00Z, so the three share 13:00–15:30Z on Thursday and Friday;
    // EDT (UTC-4) from Sunday: 08:00 is 12:00Z, an hour more in common from Monday on.
    const est = ['13:00', '13:30', '14:00', '14:30', '15:00'];
    const edt = ['12:00', '12:30', ...est];
    expect(startsOn(before.body, -3)).toEqual(est.map((t) => utc(-3, t)));
    expect(startsOn(before.body, -2)).toEqual(est.map((t) => utc(-2, t)));
    expect(startsOn(before.body, -1)).toEqual([]); // Saturday
    expect(startsOn(before.body, 0)).toEqual([]); // Sunday, the change
    expect(startsOn(before.body, 1)).toEqual(edt.map((t) => utc(1, t)));
    expect(before.body.slots).toHaveLength(2 * 5 + 3 * 7);
    // Ranked: slots that suit everyone first, then those late in someone's day, each reason naming whose clock.
    expect(before.body.slots[0].reasons).toEqual(["inside everyone's working hours"]);
    const last = before.body.slots.find((s) => s.start === utc(1, '15:00'));
    expect(last?.reasons).toEqual(['Your 11:00 is late', "Leo's 15:00 is late", "Priya's 20:30 is late"]);
    const firstLate = before.body.slots.findIndex((s) => s.reasons[0] !== "inside everyone's working hours");
    expect(
      before.body.slots.slice(firstLate).every((s) => s.reasons[0] !== "inside everyone's working hours"),
    ).toBe(true);

    // One attendee's meeting (Priya's 18:30–19:30 on Monday = 13:00–14:00Z) takes those slots away.
    await create(priya.user, {
      title: `Priya ${MARKER}`,
      location: `Cafe ${MARKER}`,
      start: `${usDst.plus({ days: 1 }).toISODate()}T18:30`,
      end: `${usDst.plus({ days: 1 }).toISODate()}T19:30`,
    });
    const after = await slots(nora.user, { ...week, durationMinutes: 30, attendees, maxResults: 100 });
    expect(startsOn(after.body, 1)).toEqual(
      ['12:00', '12:30', '14:00', '14:30', '15:00'].map((t) => utc(1, t)),
    );
    expect(startsOn(after.body, 2)).toEqual(edt.map((t) => utc(2, t)));
    expect(after.text).not.toContain(MARKER);

    // Someone Nora cannot see is named, not silently skipped; the others still count.
    const withStan = await slots(nora.user, {
      ...week,
      durationMinutes: 30,
      attendees: [...attendees, stan.email, 'no-such-account@example.com'],
      maxResults: 100,
    });
    expect(withStan.body.notVisible).toEqual([stan.email, 'no-such-account@example.com']);
    expect(withStan.body.slots).toEqual(after.body.slots);
  });

  it('free/busy by email: busy intervals only for the visible, the same notVisible for the hidden and the unknown', async () => {
    const wednesday = usDst.plus({ days: 3 }).toISODate() as string;
    // 21:30–22:30 in Kolkata, 12:00–13:00 in New York: busy, and transparent time is not.
    await create(priya.user, {
      title: `Late ${MARKER}`,
      location: `Home ${MARKER}`,
      start: `${wednesday}T21:30`,
      end: `${wednesday}T22:30`,
    });
    await create(priya.user, {
      title: 'Free',
      start: `${wednesday}T08:00`,
      end: `${wednesday}T09:00`,
      transparency: 'transparent',
    });
    const unknown = 'nobody-at-all@example.com';
    const emails = [priya.user.email.toUpperCase(), stan.email, unknown, nora.user.email].join(',');
    const res = await freeBusy(nora.user, `from=${utc(3, '00:00')}&to=${utc(4, '00:00')}&emails=${emails}`);
    expect(res.status).toBe(200);
    expect(res.body.busy).toBeUndefined();
    expect(res.body.people).toEqual([
      {
        email: priya.user.email,
        busy: [
          {
            start: `${wednesday}T16:00:00.000Z`,
            end: `${wednesday}T17:00:00.000Z`,
            startLocal: `${wednesday}T12:00:00-04:00`,
            endLocal: `${wednesday}T13:00:00-04:00`,
          },
        ],
      },
      { email: stan.email, error: 'notVisible' },
      { email: unknown, error: 'notVisible' },
      { email: nora.user.email, busy: [] },
    ]);
    const [, hidden, missing] = res.body.people;
    expect({ ...hidden, email: '' }).toEqual({ ...missing, email: '' });
    expect(res.text).not.toContain(MARKER);
    expect(res.text).not.toMatch(/"(id|title|location|attendees)"/);
  });

  it('answers 400 naming the field for too many or malformed addresses and a bad window', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `p${i}@example.com`);
    const window = `from=${utc(1, '00:00')}&to=${utc(2, '00:00')}`;
    const tooMany = await api.request<ApiErrorBody>(
      `/v1/availability/free-busy?${window}&emails=${many.join(',')}`,
      {
        token: nora.user.token,
      },
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/emails.*50/);
    const malformed = await api.request<ApiErrorBody>(
      `/v1/availability/free-busy?${window}&emails=priya,x@y.com`,
      {
        token: nora.user.token,
      },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toContain('emails');
    const reversed = await api.request<ApiErrorBody>(
      `/v1/availability/free-busy?from=${utc(2, '00:00')}&to=${utc(1, '00:00')}&emails=${leo.user.email}`,
      { token: nora.user.token },
    );
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.message).toContain('to');

    const badAttendee = await api.request<ApiErrorBody>('/v1/availability/slots', {
      method: 'POST',
      token: nora.user.token,
      json: { ...week, durationMinutes: 30, attendees: ['not-an-email'] },
    });
    expect(badAttendee.status).toBe(400);
    expect(badAttendee.body.error.message).toContain('attendees');
    const tooManyAttendees = await api.request<ApiErrorBody>('/v1/availability/slots', {
      method: 'POST',
      token: nora.user.token,
      json: { ...week, durationMinutes: 30, attendees: many },
    });
    expect(tooManyAttendees.status).toBe(400);
    expect(tooManyAttendees.body.error.message).toMatch(/attendees.*50/);
  });

  it("a hold with attendees blocks their time for everyone's searches until it is released", async () => {
    const tuesday = { from: utc(2, '00:00'), to: utc(3, '00:00'), durationMinutes: 30, maxResults: 100 };
    const hidden = await hold(nora.user, {
      start: utc(2, '12:00'),
      end: utc(2, '13:00'),
      attendees: [stan.email],
    });
    expect(hidden.status).toBe(400);
    expect((hidden.body as unknown as ApiErrorBody).error.message).toContain('attendees');
    // Busy for an attendee (Priya's 20:00–20:30, 14:30–15:00Z) is a conflict.
    const tuesdayDate = usDst.plus({ days: 2 }).toISODate() as string;
    await create(priya.user, { title: 'Call', start: `${tuesdayDate}T20:00`, end: `${tuesdayDate}T20:30` });
    const busy = await hold(nora.user, {
      start: utc(2, '14:30'),
      end: utc(2, '15:00'),
      attendees: [priya.user.email],
    });
    expect(busy.status).toBe(409);

    const held = await hold(nora.user, {
      start: utc(2, '12:00'),
      end: utc(2, '13:00'),
      attendees: [leo.user.email],
    });
    expect(held.status).toBe(201);
    expect(held.body.attendees).toEqual([leo.user.email]);
    const blocked = [utc(2, '12:00'), utc(2, '12:30')];
    // Leo's own slots, and Priya's search with Leo, leave the held hour out.
    const leoAlone = await slots(leo.user, tuesday);
    expect(leoAlone.body.slots.map((s) => s.start)).toEqual(
      expect.arrayContaining([utc(2, '11:30'), utc(2, '13:00')]),
    );
    expect(leoAlone.body.slots.map((s) => s.start)).not.toEqual(expect.arrayContaining([blocked[0]]));
    expect(leoAlone.body.slots.map((s) => s.start)).not.toEqual(expect.arrayContaining([blocked[1]]));
    const priyaWithLeo = await slots(priya.user, { ...tuesday, attendees: [leo.user.email] });
    expect(priyaWithLeo.body.notVisible).toEqual([]);
    expect(priyaWithLeo.body.slots.map((s) => s.start).filter((s) => blocked.includes(s))).toEqual([]);
    expect(priyaWithLeo.body.slots.map((s) => s.start)).toContain(utc(2, '11:30'));
    // Leo can neither list nor release Nora's hold, nor hold the same time himself.
    expect(
      (await api.request<HoldListResponseDto>('/v1/availability/holds', { token: leo.user.token })).body
        .items,
    ).toEqual([]);
    expect(
      (
        await api.request(`/v1/availability/holds/${held.body.id}`, {
          method: 'DELETE',
          token: leo.user.token,
        })
      ).status,
    ).toBe(404);
    expect((await hold(leo.user, { start: utc(2, '12:30'), end: utc(2, '13:30') })).status).toBe(409);

    expect(
      (
        await api.request(`/v1/availability/holds/${held.body.id}`, {
          method: 'DELETE',
          token: nora.user.token,
        })
      ).status,
    ).toBe(204);
    const released = await slots(leo.user, tuesday);
    expect(released.body.slots.map((s) => s.start)).toEqual(expect.arrayContaining(blocked));
  });
});
