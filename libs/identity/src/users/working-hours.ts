import { z } from 'zod';

/**
 * When a user works, in their own time zone: the same hours on each listed ISO weekday
 * (1 = Monday … 7 = Sunday). `start` is inclusive, `end` exclusive, both `HH:mm`; a shift may not
 * cross midnight. The calendar and the assistant read it to find free time and to warn about
 * out-of-hours meetings.
 */
export interface WorkingHours {
  days: number[];
  start: string;
  end: string;
}

/** Monday to Friday, 09:00–17:00. */
export const DEFAULT_WORKING_HOURS: Readonly<WorkingHours> = Object.freeze({
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '17:00',
});

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const time = z.string().regex(HH_MM, 'must be a time HH:mm between 00:00 and 23:59');

/** Minutes since midnight of a valid `HH:mm`. */
export function minutesOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Working hours as accepted from a client: days are de-duplicated and sorted, start < end. */
export const WorkingHoursSchema = z
  .strictObject({
    days: z
      .array(z.int().min(1, 'must be an ISO weekday 1–7').max(7, 'must be an ISO weekday 1–7'))
      .min(1, 'must list at least one weekday')
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'must not repeat a weekday')
      .transform((days) => [...days].sort((a, b) => a - b)),
    start: time,
    end: time,
  })
  .refine((h) => !HH_MM.test(h.start) || !HH_MM.test(h.end) || minutesOfDay(h.start) < minutesOfDay(h.end), {
    message: 'must be later than start',
    path: ['end'],
  })
  .meta({ example: DEFAULT_WORKING_HOURS });

/** Working hours as returned to a client (already validated; no transforms, so re-parsing is a no-op). */
export const WorkingHoursResponseSchema = z
  .object({
    days: z.array(z.int().min(1).max(7)).describe('ISO weekdays, 1 = Monday … 7 = Sunday'),
    start: z.string().describe('HH:mm, inclusive, in the user time zone'),
    end: z.string().describe('HH:mm, exclusive, in the user time zone'),
  })
  .meta({ example: DEFAULT_WORKING_HOURS });
