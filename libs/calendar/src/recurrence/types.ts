/**
 * Shapes shared by the recurrence engine. `F` is the bag of descriptive event fields (title, description,
 * location, …) that the engine copies and merges but never interprets.
 */

/**
 * A per-occurrence modification (RFC 5545 RECURRENCE-ID instance), identified by the ORIGINAL start instant of
 * the occurrence it replaces. Every property except `originalStart` is optional: what is absent follows the
 * series. Store timing only when the occurrence was actually moved; an override that only changes the title
 * keeps following the series when the series time changes.
 */
export interface OccurrenceOverride<F extends object = Record<string, unknown>> {
  /** RECURRENCE-ID: the start instant the rule generated for this occurrence. The override's key. */
  originalStart: Date;
  /** The occurrence is cancelled (it disappears, like an EXDATE). */
  cancelled?: boolean;
  /** Switch this occurrence between timed and all-day; absent = like the series. */
  allDay?: boolean;
  /** Timed occurrence: new start / end instants. Absent start = original start; absent end = start + series duration. */
  start?: Date;
  end?: Date;
  /** All-day occurrence: new dates (`YYYY-MM-DD`, end exclusive). Absent end = start date + series length in days. */
  startDate?: string;
  endDate?: string;
  /** Changed descriptive fields, merged over the series fields. */
  fields?: Partial<F>;
}

/**
 * An event as the engine sees it: a single event (`recurrence` empty) or a recurring series.
 *
 * Timed events: `start`/`end` are instants; `timeZone` is the IANA zone whose wall clock the recurrence follows.
 * All-day events: `allDay: true` and `startDate`/`endDate` (`YYYY-MM-DD`, end exclusive) are authoritative;
 * `start`/`end` must be the local midnights of those dates in `timeZone` (see `allDayBounds`).
 */
export interface CalendarSeries<F extends object = Record<string, unknown>> {
  id: string;
  start: Date;
  end: Date;
  timeZone: string;
  allDay?: boolean;
  startDate?: string;
  endDate?: string;
  /** Normalised RRULE without DTSTART (`FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10`), or null/absent for a single event. */
  recurrence?: string | null;
  /** Deleted occurrences, by their original start instant. */
  exdates?: Date[];
  overrides?: OccurrenceOverride<F>[];
  /** Descriptive fields of the series (title, …), merged into every occurrence. */
  fields?: F;
}

/** One concrete occurrence of a series. */
export interface Occurrence<F extends object = Record<string, unknown>> {
  seriesId: string;
  /** RECURRENCE-ID: the start the rule generated (for a single event: its start). Key for edits. */
  originalStart: Date;
  start: Date;
  end: Date;
  allDay: boolean;
  /** Set for all-day occurrences (`YYYY-MM-DD`, end exclusive). */
  startDate?: string;
  endDate?: string;
  /** An override applies to this occurrence. */
  overridden: boolean;
  /** Series fields with the override's fields merged over them. */
  fields: Partial<F>;
}

/** Half-open window [from, to). An occurrence is in it when `start < to && end > from`. */
export interface TimeWindow {
  from: Date;
  to: Date;
}
