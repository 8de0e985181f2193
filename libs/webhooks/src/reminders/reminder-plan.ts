import { EventSeries, expandOccurrences } from '@app/calendar';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Occurrences are read in windows of this span (fewer when a window holds many). */
const WINDOW_MS = 60 * DAY_MS;
/** No reminder is planned further ahead than this (a series with nothing in 5 years is done). */
const HORIZON_MS = 5 * 366 * DAY_MS;
const OCCURRENCES_PER_WINDOW = 500;

/** One reminder of one occurrence: due `minutesBefore` minutes before the occurrence starts. */
export interface PlannedReminder {
  /** The occurrence's original start (its key in the series, RECURRENCE-ID), ms. */
  originalStart: number;
  start: number;
  end: number;
  minutesBefore: number;
  dueAt: number;
}

/** The longest reminder of the series or of any of its occurrences, in ms (null: none at all). */
function longestLead(series: EventSeries): number | null {
  const all = [
    ...(series.fields?.reminders ?? []),
    ...(series.overrides ?? []).flatMap((o) => o.fields?.reminders ?? []),
  ];
  return all.length ? Math.max(...all) * MINUTE_MS : null;
}

/**
 * The next reminders of a series: those with the smallest due time after `after` (exclusive),
 * skipping occurrences that have ended by `now`. Several are returned only when they share that due
 * time. Only the next due time is ever planned (never the whole series ahead): when it fires, the
 * caller asks again with `after` = its due time, so a series walks forward one reminder at a time.
 * After a change, ask with `after` = now - 1 (due now or later). An occurrence's reminders are its
 * own (an override may change them), else the series'.
 */
export function nextReminders(series: EventSeries, after: number, now: number): PlannedReminder[] {
  const lead = longestLead(series);
  if (lead === null) return [];
  let best: PlannedReminder[] = [];
  const seen = new Set<number>();
  let from = after;
  const horizon = Math.max(after, now) + HORIZON_MS;
  // Occurrences are visited by start; one starting at or after `from` is due no earlier than
  // `from - lead`, so once that passes the best due time found, nothing later can beat it.
  while (from < horizon && !(best.length && from - lead > best[0].dueAt)) {
    let to = from + WINDOW_MS;
    const { occurrences, truncated } = expandOccurrences(
      series,
      { from: new Date(from), to: new Date(to) },
      { limit: OCCURRENCES_PER_WINDOW },
    );
    if (truncated) to = Math.max(from + 1, occurrences[occurrences.length - 1].start.getTime());
    for (const o of occurrences) {
      const start = o.start.getTime();
      const end = o.end.getTime();
      const originalStart = o.originalStart.getTime();
      if (start < from || start >= to || seen.has(originalStart)) continue;
      seen.add(originalStart);
      if (end <= now) continue; // ended: its reminders are moot
      for (const minutesBefore of new Set(o.fields.reminders ?? [])) {
        const dueAt = start - minutesBefore * MINUTE_MS;
        if (dueAt <= after) continue;
        const planned = { originalStart, start, end, minutesBefore, dueAt };
        if (!best.length || dueAt < best[0].dueAt) best = [planned];
        else if (dueAt === best[0].dueAt) best.push(planned);
      }
    }
    from = to;
  }
  return best;
}
