import { instantToFloating, instantToLocalDate, localToInstant } from '../time/zone';
import { addDays } from '../time/local-date';

/** Half-open [start, end) in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

/** Sorted, non-overlapping; touching intervals are joined. Empty intervals are dropped. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

/** `from` minus every interval of `minus` (both any order); the result is sorted and merged. */
export function subtractIntervals(from: Interval[], minus: Interval[]): Interval[] {
  const cut = mergeIntervals(minus);
  const out: Interval[] = [];
  for (const base of mergeIntervals(from)) {
    let cursor = base.start;
    for (const c of cut) {
      if (c.end <= cursor) continue;
      if (c.start >= base.end) break;
      if (c.start > cursor) out.push({ start: cursor, end: c.start });
      cursor = Math.max(cursor, c.end);
      if (cursor >= base.end) break;
    }
    if (cursor < base.end) out.push({ start: cursor, end: base.end });
  }
  return out;
}

/** The time inside both `a` and `b` (each any order); sorted and merged. */
export function intersectIntervals(a: Interval[], b: Interval[]): Interval[] {
  const x = mergeIntervals(a);
  const y = mergeIntervals(b);
  const out: Interval[] = [];
  for (let i = 0, j = 0; i < x.length && j < y.length;) {
    const start = Math.max(x[i].start, y[j].start);
    const end = Math.min(x[i].end, y[j].end);
    if (end > start) out.push({ start, end });
    if (x[i].end < y[j].end) i++;
    else j++;
  }
  return out;
}

/** Each interval cut to [from, to); empty results dropped. */
export function clipIntervals(intervals: Interval[], from: number, to: number): Interval[] {
  return intervals
    .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
    .filter((i) => i.end > i.start);
}

/** Each interval widened by `ms` on both sides (buffers around meetings). */
export function padIntervals(intervals: Interval[], ms: number): Interval[] {
  return ms > 0 ? intervals.map((i) => ({ start: i.start - ms, end: i.end + ms })) : intervals;
}

/** Working hours on ISO weekdays (1 = Monday … 7 = Sunday), `HH:mm` start inclusive, end exclusive. */
export interface WorkingHoursSpec {
  days: number[];
  start: string;
  end: string;
}

/**
 * The working-hour intervals of `zone` overlapping [from, to), clipped to it: one per working day,
 * from local `start` to local `end` on that date. Across a DST change the local times stay put and
 * the instants move; a start inside a spring-forward gap begins at the first moment after it.
 */
export function workingIntervals(
  hours: WorkingHoursSpec,
  zone: string,
  from: number,
  to: number,
): Interval[] {
  const out: Interval[] = [];
  const last = instantToLocalDate(new Date(to), zone);
  for (
    let date = addDays(instantToLocalDate(new Date(from), zone), -1);
    date <= last;
    date = addDays(date, 1)
  ) {
    const weekday = ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
    if (!hours.days.includes(weekday)) continue;
    const start = localToInstant(`${date}T${hours.start}`, zone).instant.getTime();
    const end = localToInstant(`${date}T${hours.end}`, zone).instant.getTime();
    out.push({ start, end });
  }
  return clipIntervals(mergeIntervals(out), from, to);
}

/**
 * Start instants of `durationMs` slots inside the free intervals, on a `stepMs` grid of the local
 * wall clock of `zone` (so :00 and :30 are :00 and :30 where the user is, also in +05:45 zones),
 * earliest first, at most `max`.
 */
export function slotStarts(
  free: Interval[],
  durationMs: number,
  stepMs: number,
  zone: string,
  max: number,
): number[] {
  const starts: number[] = [];
  for (const f of free) {
    const first = Math.ceil(f.start / 1000) * 1000;
    const floating = instantToFloating(first, zone);
    // Offsets are whole minutes and DST shifts whole quarter hours, so the grid holds in absolute time.
    let start = first + (Math.ceil(floating / stepMs) * stepMs - floating);
    for (; start + durationMs <= f.end; start += stepMs) {
      starts.push(start);
      if (starts.length >= max) return starts;
    }
  }
  return starts;
}
