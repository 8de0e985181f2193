import { weekdayOf } from '@app/calendar';
import { Clock } from './clock';

function clock(now: string, zone: string): Clock {
  const c = Clock.create(now, zone);
  if (!c) throw new Error('invalid clock');
  return c;
}

describe('Clock', () => {
  it('finds today in the request zone', () => {
    expect(clock('2026-03-03T03:30:00Z', 'America/New_York').today).toEqual({ year: 2026, month: 3, day: 2 });
    expect(clock('2026-03-02T23:30:00-05:00', 'Asia/Tokyo').today).toEqual({ year: 2026, month: 3, day: 3 });
  });

  it('rejects an invalid zone or instant', () => {
    expect(Clock.create('2026-03-02T09:00:00-05:00', 'Not/AZone')).toBeNull();
    expect(Clock.create('not a date', 'UTC')).toBeNull();
  });

  it('writes wall-clock times with the offset in force, across DST changes', () => {
    const ny = clock('2026-03-07T12:00:00-05:00', 'America/New_York');
    expect(ny.iso(ny.at({ year: 2026, month: 3, day: 7 }, { hour: 23, minute: 0 }))).toBe(
      '2026-03-07T23:00:00-05:00',
    );
    expect(ny.iso(ny.at({ year: 2026, month: 3, day: 8 }, { hour: 3, minute: 0 }))).toBe(
      '2026-03-08T03:00:00-04:00',
    );
    // Gaps and overlaps follow the time module's rule (tested in libs/calendar/src/time/zone.spec.ts).
    expect(ny.iso(ny.at({ year: 2026, month: 3, day: 8 }, { hour: 2, minute: 30 }))).toBe(
      '2026-03-08T03:30:00-04:00',
    );
    expect(ny.iso(ny.at({ year: 2026, month: 11, day: 1 }, { hour: 2, minute: 0 }))).toBe(
      '2026-11-01T02:00:00-05:00',
    );

    const berlin = clock('2026-10-24T12:00:00+02:00', 'Europe/Berlin');
    expect(berlin.iso(berlin.midnight({ year: 2026, month: 10, day: 26 }))).toBe('2026-10-26T00:00:00+01:00');
    expect(berlin.iso(berlin.at({ year: 2026, month: 10, day: 25 }, { hour: 2, minute: 30 }))).toBe(
      '2026-10-25T02:30:00+02:00',
    );
    expect(berlin.iso(berlin.midnight({ year: 2026, month: 3, day: 29 }))).toBe('2026-03-29T00:00:00+01:00');
    expect(berlin.iso(berlin.midnight({ year: 2026, month: 3, day: 30 }))).toBe('2026-03-30T00:00:00+02:00');
  });

  it('names weekdays by the conventions', () => {
    const friday = clock('2026-03-06T16:00:00-05:00', 'America/New_York');
    expect(weekdayOf(friday.today)).toBe(5);
    expect(friday.weekdayAfterToday(5)).toEqual({ year: 2026, month: 3, day: 13 });
    expect(friday.weekdayFromToday(5)).toEqual({ year: 2026, month: 3, day: 6 });
    expect(friday.weekdayNextWeek(1)).toEqual({ year: 2026, month: 3, day: 9 });
    expect(friday.weekdayNextWeek(5)).toEqual({ year: 2026, month: 3, day: 13 });
    expect(friday.weekend()).toEqual({
      from: { year: 2026, month: 3, day: 7 },
      to: { year: 2026, month: 3, day: 9 },
    });
    const sunday = clock('2026-03-08T12:00:00-04:00', 'America/New_York');
    expect(sunday.weekend().from).toEqual({ year: 2026, month: 3, day: 7 });
  });

  it('resolves dates without a year on or after today, across the year end', () => {
    const nye = clock('2026-12-31T10:00:00-08:00', 'America/Los_Angeles');
    expect(nye.nextMonthDay(12, 31)).toEqual({ year: 2026, month: 12, day: 31 });
    expect(nye.nextMonthDay(1, 2)).toEqual({ year: 2027, month: 1, day: 2 });
    expect(nye.nextMonthDay(2, 29)).toEqual({ year: 2028, month: 2, day: 29 });
    expect(nye.nextDayOfMonth(14)).toEqual({ year: 2027, month: 1, day: 14 });
    expect(nye.week(1).from).toEqual({ year: 2027, month: 1, day: 4 });
  });
});
