import { DateTime } from 'luxon';
import { describeShift, parseShift, shiftTiming } from './shift';

const ZONE = 'America/New_York';
const local = (d: Date, zone = ZONE) => DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
const timed = (start: string, end: string, zone = ZONE) => ({
  allDay: false,
  start: DateTime.fromISO(start, { zone }).toJSDate(),
  end: DateTime.fromISO(end, { zone }).toJSDate(),
});

describe('moves by a shift', () => {
  it('reads ISO-8601 durations, negative with a leading "-"; P1W and P7D are the same shift', () => {
    expect(parseShift('PT30M')?.as('minutes')).toBe(30);
    expect(parseShift('-PT1H')?.as('minutes')).toBe(-60);
    expect(parseShift('PT1H30M')?.as('minutes')).toBe(parseShift('PT90M')?.as('minutes'));
    expect(parseShift('P1W')?.as('days')).toBe(parseShift('P7D')?.as('days'));
    expect(parseShift('nonsense')).toBeNull();
  });

  it('a one-week shift across the spring DST change stays at 09:00 local and keeps the duration', () => {
    // US DST starts Sunday 2027-03-14: 09:00 EST (-05:00) becomes 09:00 EDT (-04:00) a week later.
    const before = timed('2027-03-10T09:00', '2027-03-10T10:30');
    const after = shiftTiming(before, parseShift('P1W')!, ZONE)!;
    expect(local(after.start)).toBe('2027-03-17T09:00');
    expect(local(after.end)).toBe('2027-03-17T10:30');
    expect(after.start.getTime() - before.start.getTime()).toBe((7 * 24 - 1) * 3_600_000);
    expect(after.end.getTime() - after.start.getTime()).toBe(90 * 60_000);
  });

  it('a day earlier across the autumn change stays at the same wall-clock time too', () => {
    // US DST ends Sunday 2027-11-07.
    const after = shiftTiming(timed('2027-11-08T09:00', '2027-11-08T09:30'), parseShift('-P1D')!, ZONE)!;
    expect(local(after.start)).toBe('2027-11-07T09:00');
    expect(local(after.end)).toBe('2027-11-07T09:30');
  });

  it("applies in the event's own zone, not the user's", () => {
    const before = timed('2027-03-25T09:00', '2027-03-25T10:00', 'Europe/Berlin'); // EU DST: 2027-03-28
    const after = shiftTiming(before, parseShift('P1W')!, 'Europe/Berlin')!;
    expect(local(after.start, 'Europe/Berlin')).toBe('2027-04-01T09:00');
  });

  it('minutes and hours are added to the time: "30 minutes later", "an hour earlier"', () => {
    const before = timed('2027-06-01T09:00', '2027-06-01T09:15');
    expect(local(shiftTiming(before, parseShift('PT30M')!, ZONE)!.start)).toBe('2027-06-01T09:30');
    const earlier = shiftTiming(before, parseShift('-PT1H')!, ZONE)!;
    expect(local(earlier.start)).toBe('2027-06-01T08:00');
    expect(local(earlier.end)).toBe('2027-06-01T08:15');
  });

  it('an all-day event moves by whole days (its dates), and not by hours', () => {
    const allDay = {
      allDay: true,
      start: DateTime.fromISO('2027-03-12', { zone: ZONE }).toJSDate(),
      end: DateTime.fromISO('2027-03-14', { zone: ZONE }).toJSDate(),
      startDate: '2027-03-12',
      endDate: '2027-03-14',
    };
    const after = shiftTiming(allDay, parseShift('P1W')!, ZONE)!;
    expect(after).toMatchObject({ allDay: true, startDate: '2027-03-19', endDate: '2027-03-21' });
    expect(local(after.start)).toBe('2027-03-19T00:00');
    expect(shiftTiming(allDay, parseShift('PT2H')!, ZONE)).toBeNull();
  });

  it('says the shift in words', () => {
    expect(describeShift(parseShift('PT30M')!)).toBe('30 minutes later');
    expect(describeShift(parseShift('-PT1H')!)).toBe('1 hour earlier');
    expect(describeShift(parseShift('P1W')!)).toBe('1 week later');
  });
});
