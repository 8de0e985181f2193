import { DateTime } from 'luxon';
import { ZoneOffsets } from './zone-offsets';

/**
 * Calendar arithmetic for the interpreter: local calendar dates (no zone), the request's clock
 * (now, today, zone) and the conversion of a local date and wall-clock time into an instant in the
 * request's IANA zone, daylight-saving changes included.
 */

/** A calendar date without a zone. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

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

const DAY_MS = 86_400_000;

function toUtcMs(d: LocalDate): number {
  return Date.UTC(d.year, d.month - 1, d.day);
}

function fromUtcMs(ms: number): LocalDate {
  const date = new Date(ms);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export function addDays(d: LocalDate, days: number): LocalDate {
  return fromUtcMs(toUtcMs(d) + days * DAY_MS);
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return toUtcMs(a) - toUtcMs(b);
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function weekdayOf(d: LocalDate): number {
  const js = new Date(toUtcMs(d)).getUTCDay();
  return js === 0 ? 7 : js;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The date, or null when the day does not exist in that month. */
export function makeDate(year: number, month: number, day: number): LocalDate | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function addMonths(d: LocalDate, months: number): LocalDate {
  const index = d.year * 12 + (d.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(d.day, daysInMonth(year, month)) };
}

/** Epoch milliseconds: an instant. */
export type Instant = number;

const MINUTE_MS = 60_000;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The request's clock: the current instant and today's date in the request's zone. */
export class Clock {
  readonly today: LocalDate;
  /** Offset of the zone at now, in minutes. */
  readonly nowOffset: number;

  private constructor(
    readonly now: Instant,
    readonly zone: string,
    private readonly offsets: ZoneOffsets,
  ) {
    this.nowOffset = offsets.offset(now);
    this.today = this.dateOf(now);
  }

  /** A clock for `now` (ISO with offset) in `zone`; null when either is not valid. */
  static create(nowIso: string, zone: string): Clock | null {
    const offsets = ZoneOffsets.of(zone);
    if (!offsets) return null;
    const parsed = DateTime.fromISO(nowIso, { setZone: true });
    if (!parsed.isValid) return null;
    return new Clock(parsed.toMillis(), zone, offsets);
  }

  get tomorrow(): LocalDate {
    return addDays(this.today, 1);
  }

  /** Monday of the week that holds `d` (weeks start on Monday). */
  mondayOf(d: LocalDate = this.today): LocalDate {
    return addDays(d, 1 - weekdayOf(d));
  }

  /**
   * The instant of a wall-clock time on a local date in the zone. A time that does not exist
   * (spring forward) moves forward by the gap; a time that happens twice (fall back) takes the
   * earlier instant.
   */
  at(d: LocalDate, t: HourMinute = { hour: 0, minute: 0 }): Instant {
    const wall = Date.UTC(d.year, d.month - 1, d.day, t.hour, t.minute);
    const before = this.offsets.offset(wall - DAY_MS);
    const after = this.offsets.offset(wall + DAY_MS);
    const asBefore = wall - before * MINUTE_MS;
    if (before === after) return asBefore;
    const asAfter = wall - after * MINUTE_MS;
    const beforeFits = this.offsets.offset(asBefore) === before;
    const afterFits = this.offsets.offset(asAfter) === after;
    if (beforeFits && afterFits) return Math.min(asBefore, asAfter);
    if (afterFits && !beforeFits) return asAfter;
    // Fits with the earlier offset, or falls in a gap: read with the offset before the change.
    return asBefore;
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
    return fromUtcMs(ms + this.offsets.offset(ms) * MINUTE_MS);
  }

  /** ISO-8601 with the numeric offset of the request's zone at that instant. */
  iso(ms: Instant): string {
    const offset = this.offsets.offset(ms);
    const local = new Date(ms + offset * MINUTE_MS);
    const millis = local.getUTCMilliseconds();
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return (
      `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
      `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
      (millis ? `.${pad(millis, 3)}` : '') +
      `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
    );
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
