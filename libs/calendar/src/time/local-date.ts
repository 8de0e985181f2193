import { TimeZoneError } from './time-zone.error';

/**
 * Calendar dates without a zone: the one local-date model of the calendar and the assistant.
 * A date is a {@link LocalDate} record in code and `YYYY-MM-DD` on the wire and in storage; both
 * forms share the same arithmetic (on the date's midnight read as UTC, so it never sees DST).
 * luxon's DateTime could do this, but it allocates a zoned object per step, and the assistant's
 * interpreter and the recurrence engine do thousands of steps per request.
 */

/** A calendar date, month 1–12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const DAY_MS = 86_400_000;
const LOCAL_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The date, or null when the day does not exist in that month. */
export function makeDate(year: number, month: number, day: number): LocalDate | null {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/** Milliseconds of the date's midnight read as UTC ("floating": wall-clock arithmetic, no DST). */
export function dateToFloating(d: LocalDate): number {
  if (d.year >= 100) return Date.UTC(d.year, d.month - 1, d.day); // Date.UTC maps years 0–99 to 19xx
  const t = new Date(0);
  t.setUTCFullYear(d.year, d.month - 1, d.day);
  return t.getTime();
}

/** The calendar date of floating milliseconds (the time of day is dropped). */
export function floatingToDate(floatingMs: number): LocalDate {
  const t = new Date(floatingMs);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Reads `YYYY-MM-DD`. Throws {@link TimeZoneError} when malformed or not a real date. */
export function parseDate(date: string): LocalDate {
  const m = typeof date === 'string' ? LOCAL_DATE_RE.exec(date) : null;
  if (!m) throw new TimeZoneError(`"${date}" is not a date (expected YYYY-MM-DD)`);
  const found = makeDate(Number(m[1]), Number(m[2]), Number(m[3]));
  if (!found) throw new TimeZoneError(`"${date}" is not a valid calendar date`);
  return found;
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isValidLocalDate(date: string): boolean {
  const m = typeof date === 'string' ? LOCAL_DATE_RE.exec(date) : null;
  return m !== null && makeDate(Number(m[1]), Number(m[2]), Number(m[3])) !== null;
}

/** `YYYY-MM-DD`. */
export function formatDate(d: LocalDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

const asDate = (d: LocalDate | string) => (typeof d === 'string' ? parseDate(d) : d);

/** The date plus `days` calendar days (negative allowed), in the form it was given. */
export function addDays(date: string, days: number): string;
export function addDays(date: LocalDate, days: number): LocalDate;
export function addDays(date: LocalDate | string, days: number): LocalDate | string {
  const moved = floatingToDate(dateToFloating(asDate(date)) + days * DAY_MS);
  return typeof date === 'string' ? formatDate(moved) : moved;
}

/** Whole calendar days from `from` to `to`, e.g. 2026-03-07 → 2026-03-09 is 2. */
export function daysBetween(from: LocalDate | string, to: LocalDate | string): number {
  return Math.round((dateToFloating(asDate(to)) - dateToFloating(asDate(from))) / DAY_MS);
}

/** Negative, zero or positive as `a` is before, on or after `b`. */
export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function weekdayOf(d: LocalDate): number {
  const js = new Date(dateToFloating(d)).getUTCDay();
  return js === 0 ? 7 : js;
}

/** Monday of the week that holds `d` (weeks start on Monday). */
export function mondayOf(d: LocalDate): LocalDate {
  return addDays(d, 1 - weekdayOf(d));
}

/** The date `months` calendar months later, its day clamped to the month's length. */
export function addMonths(d: LocalDate, months: number): LocalDate {
  const index = d.year * 12 + (d.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(d.day, daysInMonth(year, month)) };
}
