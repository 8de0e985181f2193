import {
  addDays,
  addMonths,
  compareDates,
  dateToFloating,
  floatingToInstant,
  floatingToDate,
  formatInZone,
  instantToFloating,
  isValidTimeZone,
  LocalDate,
  makeDate,
  mondayOf,
  weekdayOf,
  zoneOffsetMinutes,
} from '@app/calendar';
import { DateTime } from 'luxon';

/**
 * The request's clock for the interpreter: now, today and the zone, and the contract's
 * conventions for naming days and spans. Dates and zones are the calendar's time module.
 */

/** A wall-clock time of day, 0 ≤ hour ≤ 23. */
export interface HourMinute {
  readonly hour: number;
  readonly minute: number;
}

/** A span of local days, `to` exclusive. */
export interface DaySpan {
  readonly from: LocalDate;
  readonly to: LocalDate;
}

/** Epoch milliseconds: an instant. */
export type Instant = number;

/** The request's clock: the current instant and today's date in the request's zone. */
export class Clock {
  readonly today: LocalDate;
  /** Offset of the zone at now, in minutes. */
  readonly nowOffset: number;

  private constructor(
    readonly now: Instant,
    readonly zone: string,
  ) {
    this.nowOffset = zoneOffsetMinutes(zone, now);
    this.today = this.dateOf(now);
  }

  /** A clock for `now` (ISO with offset) in `zone`; null when either is not valid. */
  static create(nowIso: string, zone: string): Clock | null {
    if (!isValidTimeZone(zone)) return null;
    const parsed = DateTime.fromISO(nowIso, { setZone: true });
    if (!parsed.isValid) return null;
    return new Clock(parsed.toMillis(), zone);
  }

  get tomorrow(): LocalDate {
    return addDays(this.today, 1);
  }

  /** Monday of the week that holds `d` (weeks start on Monday). */
  mondayOf(d: LocalDate = this.today): LocalDate {
    return mondayOf(d);
  }

  /**
   * The instant of a wall-clock time on a local date in the zone, by the time module's rule: a
   * time that does not exist moves forward by the gap, a time that happens twice takes the earlier.
   */
  at(d: LocalDate, t: HourMinute = { hour: 0, minute: 0 }): Instant {
    return floatingToInstant(
      dateToFloating(d) + (t.hour * 60 + t.minute) * 60_000,
      this.zone,
    ).instant.getTime();
  }

  /** Local midnight at the start of a date. */
  midnight(d: LocalDate): Instant {
    return this.at(d, { hour: 0, minute: 0 });
  }

  /** "A time with no date": today if that time is still ahead of now, else tomorrow. */
  nextAt(t: HourMinute): Instant {
    const today = this.at(this.today, t);
    return today > this.now ? today : this.at(this.tomorrow, t);
  }

  /** The local calendar date of an instant. */
  dateOf(ms: Instant): LocalDate {
    return floatingToDate(instantToFloating(ms, this.zone));
  }

  /** ISO-8601 with the numeric offset of the request's zone at that instant. */
  iso(ms: Instant): string {
    const text = formatInZone(new Date(ms), this.zone);
    const millis = ((ms % 1000) + 1000) % 1000;
    return millis ? `${text.slice(0, 19)}.${String(millis).padStart(3, '0')}${text.slice(19)}` : text;
  }

  // ── Conventions for naming days ─────────────────────────────────────────────────────────────

  /** "Friday", "on Friday": the next such weekday strictly after today. */
  weekdayAfterToday(weekday: number): LocalDate {
    const ahead = (weekday - weekdayOf(this.today) + 7) % 7 || 7;
    return addDays(this.today, ahead);
  }

  /** "this Friday": the next such weekday on or after today. */
  weekdayFromToday(weekday: number): LocalDate {
    return addDays(this.today, (weekday - weekdayOf(this.today) + 7) % 7);
  }

  /** "next Friday": that weekday in next week (the Monday–Sunday week after this one). */
  weekdayNextWeek(weekday: number): LocalDate {
    return addDays(this.mondayOf(), 7 + weekday - 1);
  }

  /** "Friday this week": that weekday in this Monday–Sunday week (possibly past). */
  weekdayThisWeek(weekday: number): LocalDate {
    return addDays(this.mondayOf(), weekday - 1);
  }

  /** A month and day without a year: the next such date on or after today (null if it never exists). */
  nextMonthDay(month: number, day: number): LocalDate | null {
    for (let year = this.today.year; year <= this.today.year + 8; year++) {
      const d = makeDate(year, month, day);
      if (d && compareDates(d, this.today) >= 0) return d;
    }
    return null;
  }

  /** "the 14th": the next date with that day of the month, on or after today. */
  nextDayOfMonth(day: number): LocalDate | null {
    if (day < 1 || day > 31) return null;
    for (let i = 0; i < 14; i++) {
      const m = addMonths({ ...this.today, day: 1 }, i);
      const d = makeDate(m.year, m.month, day);
      if (d && compareDates(d, this.today) >= 0) return d;
    }
    return null;
  }

  // ── Spans ─────────────────────────────────────────────────────────────────────────────────────

  day(d: LocalDate): DaySpan {
    return { from: d, to: addDays(d, 1) };
  }

  /** Monday 00:00 of this week (+ `weeks`) to the next Monday. */
  week(weeks = 0): DaySpan {
    const from = addDays(this.mondayOf(), 7 * weeks);
    return { from, to: addDays(from, 7) };
  }

  /** The coming (or current) Saturday to Monday; `weeks` = 1 for the weekend of next week. */
  weekend(weeks = 0): DaySpan {
    const wd = weekdayOf(this.today);
    const saturday =
      weeks === 0 && wd >= 6 ? addDays(this.today, 6 - wd) : addDays(this.mondayOf(), 5 + 7 * weeks);
    return { from: saturday, to: addDays(saturday, 2) };
  }

  /** The calendar month holding today (+ `months`). */
  month(months = 0): DaySpan {
    const from = addMonths({ year: this.today.year, month: this.today.month, day: 1 }, months);
    return { from, to: addMonths(from, 1) };
  }

  /** A named month without a year: this year's if it has not ended, else next year's. */
  namedMonth(month: number, year?: number): DaySpan {
    let y = year ?? this.today.year;
    if (year === undefined && month < this.today.month) y += 1;
    const from = { year: y, month, day: 1 };
    return { from, to: addMonths(from, 1) };
  }
}
