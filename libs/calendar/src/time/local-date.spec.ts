import {
  addDays,
  addMonths,
  compareDates,
  daysBetween,
  formatDate,
  isValidLocalDate,
  makeDate,
  mondayOf,
  parseDate,
  weekdayOf,
} from './local-date';
import { TimeZoneError } from './time-zone.error';

describe('local dates', () => {
  it('does calendar arithmetic on dates written YYYY-MM-DD', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(daysBetween('2026-03-07', '2026-03-10')).toBe(3);
    expect(isValidLocalDate('2026-02-29')).toBe(false);
    expect(isValidLocalDate('2028-02-29')).toBe(true);
    expect(() => addDays('2026-02-30', 1)).toThrow(TimeZoneError);
  });

  it('does the same arithmetic on date records, across the year end and DST days', () => {
    const nye = { year: 2026, month: 12, day: 31 };
    expect(addDays(nye, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    // 2026-03-08 is 23 hours long in New York; dates do not care.
    expect(addDays({ year: 2026, month: 3, day: 7 }, 2)).toEqual({ year: 2026, month: 3, day: 9 });
    expect(daysBetween(nye, { year: 2027, month: 3, day: 1 })).toBe(60);
    expect(formatDate(parseDate('0999-01-05'))).toBe('0999-01-05');
  });

  it('names weekdays and weeks starting on Monday', () => {
    expect(weekdayOf({ year: 2026, month: 3, day: 2 })).toBe(1);
    expect(weekdayOf({ year: 2026, month: 3, day: 8 })).toBe(7);
    expect(mondayOf({ year: 2026, month: 3, day: 8 })).toEqual({ year: 2026, month: 3, day: 2 });
    expect(mondayOf({ year: 2027, month: 1, day: 1 })).toEqual({ year: 2026, month: 12, day: 28 });
  });

  it('adds months clamping the day, compares and builds only real dates', () => {
    expect(addMonths({ year: 2026, month: 1, day: 31 }, 1)).toEqual({ year: 2026, month: 2, day: 28 });
    expect(addMonths({ year: 2026, month: 11, day: 15 }, 3)).toEqual({ year: 2027, month: 2, day: 15 });
    expect(compareDates({ year: 2026, month: 3, day: 2 }, { year: 2026, month: 2, day: 28 })).toBeGreaterThan(
      0,
    );
    expect(compareDates({ year: 2026, month: 3, day: 2 }, { year: 2026, month: 3, day: 2 })).toBe(0);
    expect(makeDate(2026, 2, 29)).toBeNull();
    expect(makeDate(2028, 2, 29)).toEqual({ year: 2028, month: 2, day: 29 });
  });
});
