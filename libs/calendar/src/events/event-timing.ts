import { ValidationError } from '@app/common';
import { allDayBounds, instantToLocalDate, localToInstant } from '../time/zone';
import { addDays } from '../time/local-date';
import { timeInputKind } from './event.dto';

export interface Timing {
  allDay: boolean;
  start: Date;
  end: Date;
  startDate?: string;
  endDate?: string;
}

const HOUR_MS = 3_600_000;

const invalid = (field: string, message: string): never => {
  throw new ValidationError(`Invalid ${field}: ${field} ${message}`, [{ field, message }]);
};

/** An input time as an instant: with an offset as given, a wall-clock time in `zone` (DST-resolved). */
export function toInstant(value: string, zone: string, field: string): Date {
  const kind = timeInputKind(value);
  if (kind === 'instant') return new Date(value);
  if (kind === 'local') return localToInstant(value, zone).instant;
  return invalid(field, 'must include a time of day unless allDay is true');
}

/** An input time as a calendar date in `zone`. */
export function toDate(value: string, zone: string): string {
  return timeInputKind(value) === 'date' ? value : instantToLocalDate(toInstant(value, zone, 'start'), zone);
}

/**
 * The timing of a new event. Timed: end defaults to one hour after start. All-day (allDay, or a
 * date without time): dates, end exclusive, defaulting to one day.
 */
export function resolveNewTiming(
  input: { start: string; end?: string; allDay?: boolean },
  zone: string,
): Timing {
  const allDay = input.allDay ?? timeInputKind(input.start) === 'date';
  if (allDay) {
    const startDate = toDate(input.start, zone);
    const endDate = input.end ? toDate(input.end, zone) : addDays(startDate, 1);
    if (endDate <= startDate) invalid('end', 'must be after start (all-day end dates are exclusive)');
    return { allDay, startDate, endDate, ...allDayBounds(startDate, endDate, zone) };
  }
  const start = toInstant(input.start, zone, 'start');
  const end = input.end ? toInstant(input.end, zone, 'end') : new Date(start.getTime() + HOUR_MS);
  if (end.getTime() <= start.getTime()) invalid('end', 'must be after start');
  return { allDay, start, end };
}

/** Timing changes for an edit, in the engine's terms; only what the request names. */
export function resolveTimingChanges(
  input: { start?: string; end?: string; allDay?: boolean },
  zone: string,
  currentlyAllDay: boolean,
): { start?: Date; end?: Date; startDate?: string; endDate?: string; allDay?: boolean } {
  const allDay = input.allDay ?? currentlyAllDay;
  const out: { start?: Date; end?: Date; startDate?: string; endDate?: string; allDay?: boolean } = {};
  if (input.allDay !== undefined) out.allDay = input.allDay;
  if (allDay) {
    if (input.start) out.startDate = toDate(input.start, zone);
    if (input.end) out.endDate = toDate(input.end, zone);
    if (out.startDate && out.endDate && out.endDate <= out.startDate) invalid('end', 'must be after start');
  } else {
    if (input.start) out.start = toInstant(input.start, zone, 'start');
    if (input.end) out.end = toInstant(input.end, zone, 'end');
    if (out.start && out.end && out.end <= out.start) invalid('end', 'must be after start');
  }
  return out;
}
