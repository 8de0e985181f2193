import { DateTime, Duration } from 'luxon';
import type { ChangesetTimingDoc } from '../changesets/changeset.schema';

/** A plan's `shift` ("PT30M", "-PT1H", "P1W") as a signed luxon duration; null when it is not one. */
export function parseShift(shift: string): Duration | null {
  const negative = shift.startsWith('-');
  const duration = Duration.fromISO(negative ? shift.slice(1) : shift);
  if (!duration.isValid) return null;
  return negative ? duration.negate() : duration;
}

/** Whether the duration is whole days or weeks (an all-day event moves only by those). */
function isWholeDays(d: Duration): boolean {
  const { hours = 0, minutes = 0, seconds = 0, milliseconds = 0 } = d.toObject();
  return hours === 0 && minutes === 0 && seconds === 0 && milliseconds === 0;
}

/**
 * The timing moved by `shift` on the event's own wall clock (`zone`, its IANA zone): days and weeks
 * keep the local time across a daylight-saving change ("a week later" stays at 09:00), hours and
 * minutes are added to the local time; the duration is kept. An all-day event moves by whole days
 * only (its dates); null for a shift with hours or minutes.
 */
export function shiftTiming(
  before: ChangesetTimingDoc,
  shift: Duration,
  zone: string,
): ChangesetTimingDoc | null {
  if (before.allDay) {
    if (!isWholeDays(shift) || !before.startDate || !before.endDate) return null;
    const startDate = DateTime.fromISO(before.startDate, { zone }).plus(shift);
    const endDate = DateTime.fromISO(before.endDate, { zone }).plus(shift);
    return {
      allDay: true,
      start: startDate.startOf('day').toJSDate(),
      end: endDate.startOf('day').toJSDate(),
      startDate: startDate.toISODate() as string,
      endDate: endDate.toISODate() as string,
    };
  }
  const start = DateTime.fromJSDate(before.start, { zone }).plus(shift);
  const duration = before.end.getTime() - before.start.getTime();
  return { allDay: false, start: start.toJSDate(), end: new Date(start.toMillis() + duration) };
}

/** "30 minutes later", "1 hour earlier", "1 week later", "2 days and 3 hours earlier". */
export function describeShift(shift: Duration): string {
  const o = shift.toObject();
  const sign = Object.values(o).some((v) => (v ?? 0) < 0) ? -1 : 1;
  const parts: string[] = [];
  const unit = (n: number | undefined, name: string) => {
    const v = Math.abs(n ?? 0);
    if (v) parts.push(`${v} ${name}${v === 1 ? '' : 's'}`);
  };
  unit(o.years, 'year');
  unit(o.months, 'month');
  unit(o.weeks, 'week');
  unit(o.days, 'day');
  unit(o.hours, 'hour');
  unit(o.minutes, 'minute');
  return `${parts.join(' and ')} ${sign < 0 ? 'earlier' : 'later'}`;
}
