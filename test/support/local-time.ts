import { DateTime } from 'luxon';

/** The start of the day `days` from today in `zone`. */
export const localDay = (zone: string, days: number): DateTime =>
  DateTime.now().setZone(zone).plus({ days }).startOf('day');

/** An ISO instant with offset at a local wall-clock time (`HH:mm`) on `day`. */
export function wallClock(day: DateTime, hhmm: string): string {
  const [hour, minute] = hhmm.split(':').map(Number);
  return day.set({ hour, minute }).toISO({ suppressMilliseconds: true }) as string;
}
