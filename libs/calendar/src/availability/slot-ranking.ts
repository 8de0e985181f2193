import { wallClockOf } from '../time/zone';
import { Interval } from './intervals';

/** One person a slot is for, as the ranking reads them. */
export interface RankedPerson {
  /** How reasons name them ("Priya Patel"); null for the caller ("Your …"). */
  name: string | null;
  timeZone: string;
  /** Their working-hour intervals, unclipped, over at least the search window. */
  working: Interval[];
}

export interface RankedSlot extends Interval {
  /** Why the slot ranks where it does, best news first: e.g. "inside everyone's working hours". */
  reasons: string[];
}

/** A slot starting within this long of the end of someone's working day is late for them. */
export const LATE_MS = 60 * 60_000;
const OUTSIDE_PENALTY = 10;
const LATE_PENALTY = 1;

/**
 * Ranks candidate slots for a group: a slot outside someone's working hours ranks below one that is
 * only late for someone (starts in the last hour of their working day), which ranks below one that
 * suits everyone; each penalty per person. Ties keep the earliest first. Returns at most `max`.
 */
export function rankSlots(
  starts: number[],
  durationMs: number,
  people: RankedPerson[],
  max: number,
): RankedSlot[] {
  const scored = starts.map((start, order) => {
    const end = start + durationMs;
    let score = 0;
    const reasons: string[] = [];
    for (const person of people) {
      const day = person.working.find((w) => w.start <= start && end <= w.end);
      const clock = localClock(start, person.timeZone);
      const whose = person.name === null ? 'Your' : `${person.name}'s`;
      if (!day) {
        score += OUTSIDE_PENALTY;
        reasons.push(`${whose} ${clock} is outside working hours`);
      } else if (day.end - start <= LATE_MS) {
        score += LATE_PENALTY;
        reasons.push(`${whose} ${clock} is late`);
      }
    }
    if (reasons.length === 0)
      reasons.push(people.length > 1 ? "inside everyone's working hours" : 'inside your working hours');
    return { start, end, reasons, score, order };
  });
  return scored
    .sort((a, b) => a.score - b.score || a.order - b.order)
    .slice(0, max)
    .map(({ start, end, reasons }) => ({ start, end, reasons }));
}

function localClock(instant: number, zone: string): string {
  const { hour, minute } = wallClockOf(new Date(instant), zone);
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
