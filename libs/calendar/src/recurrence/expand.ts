import {
  floatingToInstant,
  formatFloatingDate,
  instantToFloating,
  instantToLocalDate,
  isValidTimeZone,
  localDateToInstant,
  parseLocalDate,
} from '../time/zone';
import { addDays, daysBetween, isValidLocalDate } from '../time/local-date';
import {
  bindRule,
  parseRecurrenceRule,
  RecurrenceError,
  ruleSetsTimeOfDay,
  type FloatingRule,
} from './rrule';
import type { CalendarSeries, Occurrence, OccurrenceOverride, TimeWindow } from './types';

/** Hard cap on occurrences returned by one {@link expandOccurrences} call. */
export const MAX_OCCURRENCES_PER_CALL = 5000;

export interface ExpandOptions {
  /** Maximum occurrences to return (1..5000, default 5000). */
  limit?: number;
}

export interface ExpandResult<F extends object = Record<string, unknown>> {
  /** Occurrences overlapping the window, sorted by start (then original start). */
  occurrences: Occurrence<F>[];
  /**
   * More occurrences exist in the window after the last returned one (the limit was reached). Continue with a
   * window starting at the last returned occurrence's start and skip the (seriesId, originalStart) pairs you have.
   */
  truncated: boolean;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
// Wall-clock and real time differ by at most a day (plus DST); searching two floating days around an instant range
// always covers the occurrences whose instants fall in that range.
const FLOATING_SLACK_MS = 2 * DAY_MS;
// Horizon for "first occurrence" searches, so a rule that can never match does not iterate to year 9999.
const FIRST_OCCURRENCE_HORIZON_MS = 100 * 366 * DAY_MS;

/** A series checked and compiled for iteration. Internal to the recurrence engine (used by edit.ts). */
export interface PreparedSeries<F extends object = Record<string, unknown>> {
  series: CalendarSeries<F>;
  zone: string;
  allDay: boolean;
  /** Series start as floating ms (all-day: local midnight of startDate as floating). */
  dtstart: number;
  /** Series start instant in ms (whole seconds). */
  startMs: number;
  /** Timed: end - start in ms. */
  durationMs: number;
  /** All-day: number of days (endDate - startDate). */
  days: number;
  rule: FloatingRule | null;
  exdates: Set<number>;
  overrides: Map<number, OccurrenceOverride<F>>;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/**
 * Checks the shape of a series and compiles its rule. Throws {@link RecurrenceError} with a clear message.
 * Does NOT require the start to be an occurrence of the rule (see {@link validateSeries}).
 */
export function prepareSeries<F extends object>(series: CalendarSeries<F>): PreparedSeries<F> {
  const zone = series.timeZone;
  if (!isValidTimeZone(zone)) throw new RecurrenceError(`timeZone "${zone}" is not a valid IANA time zone`);
  const allDay = series.allDay === true;
  let dtstart: number;
  let startMs: number;
  let durationMs = 0;
  let days = 0;
  if (allDay) {
    const { startDate, endDate } = series;
    if (!startDate || !isValidLocalDate(startDate)) {
      throw new RecurrenceError(`all-day event needs startDate as YYYY-MM-DD (got "${startDate}")`);
    }
    if (!endDate || !isValidLocalDate(endDate)) {
      throw new RecurrenceError(`all-day event needs endDate as YYYY-MM-DD (got "${endDate}")`);
    }
    days = daysBetween(startDate, endDate);
    if (days < 1)
      throw new RecurrenceError(`endDate ${endDate} must be after startDate ${startDate} (end is exclusive)`);
    dtstart = parseLocalDate(startDate);
    startMs = localDateToInstant(startDate, zone).getTime();
  } else {
    if (!isValidDate(series.start) || !isValidDate(series.end)) {
      throw new RecurrenceError('event start and end must be valid dates');
    }
    startMs = Math.floor(series.start.getTime() / 1000) * 1000;
    durationMs = series.end.getTime() - series.start.getTime();
    if (durationMs < 0) throw new RecurrenceError('event end must not be before its start');
    dtstart = instantToFloating(startMs, zone);
  }
  let rule: FloatingRule | null = null;
  if (series.recurrence) {
    const parsed = parseRecurrenceRule(series.recurrence);
    if (allDay && ruleSetsTimeOfDay(parsed)) {
      throw new RecurrenceError('BYHOUR, BYMINUTE and BYSECOND are not allowed for all-day events');
    }
    rule = bindRule(parsed, dtstart, zone);
  }
  const exdates = new Set<number>();
  for (const exdate of series.exdates ?? []) {
    if (!isValidDate(exdate)) throw new RecurrenceError('exdates must be valid dates');
    exdates.add(exdate.getTime());
  }
  const overrides = new Map<number, OccurrenceOverride<F>>();
  for (const override of series.overrides ?? []) {
    if (!isValidDate(override.originalStart))
      throw new RecurrenceError('override originalStart must be a valid date');
    overrides.set(override.originalStart.getTime(), override);
  }
  return { series, zone, allDay, dtstart, startMs, durationMs, days, rule, exdates, overrides };
}

/** Instant (ms) of a floating occurrence value; DTSTART itself maps to the stored series start. */
function occurrenceInstant(p: PreparedSeries<object>, floating: number): number {
  if (floating === p.dtstart) return p.startMs;
  return floatingToInstant(floating, p.zone).instant.getTime();
}

/** An occurrence as generated by the rule: wall-clock (floating ms) and instant (ms). */
export interface GeneratedOriginal {
  floating: number;
  instant: number;
}

interface Generation {
  originals: GeneratedOriginal[];
  /** Iteration stopped at the cap: only originals up to the last one listed are known. */
  cut: boolean;
}

/**
 * Rule-generated originals with instants in [fromMs, toMs] (inclusive), in order, de-duplicated by instant.
 * `counts` decides which originals count towards `cap`; when more than `cap` counted originals exist, the result
 * is cut after the cap-th one.
 */
function generateOriginals(
  p: PreparedSeries<object>,
  fromMs: number,
  toMs: number,
  cap: number,
  counts: (instant: number) => boolean = () => true,
): Generation {
  const rule = p.rule;
  const originals: GeneratedOriginal[] = [];
  if (!rule || toMs < fromMs) return { originals, cut: false };
  const seen = new Set<number>();
  let counted = 0;
  let visited = 0;
  const hardLimit = cap * 4 + 10_000;
  let cut = false;
  rule.forEachBetween(
    instantToFloating(fromMs, p.zone) - FLOATING_SLACK_MS,
    instantToFloating(toMs, p.zone) + FLOATING_SLACK_MS,
    (floating) => {
      if (++visited > hardLimit) {
        cut = true;
        return false;
      }
      const instant = occurrenceInstant(p, floating);
      if (instant < fromMs || instant > toMs) return true;
      if (rule.untilInstant !== null && instant > rule.untilInstant) return true;
      if (seen.has(instant)) return true; // two wall-clock times resolved into one instant (DST gap)
      if (counts(instant) && ++counted > cap) {
        cut = true;
        return false;
      }
      seen.add(instant);
      originals.push({ floating, instant });
      return true;
    },
  );
  originals.sort((a, b) => a.instant - b.instant);
  return { originals, cut };
}

/**
 * Internal (for edit.ts): originals (floating value and instant) generated with instants in [fromMs, toMs].
 * A single event yields its start.
 */
export function listOriginals(p: PreparedSeries<object>, fromMs: number, toMs: number): GeneratedOriginal[] {
  if (!p.rule)
    return p.startMs >= fromMs && p.startMs <= toMs ? [{ floating: p.dtstart, instant: p.startMs }] : [];
  return generateOriginals(p, fromMs, toMs, Number.MAX_SAFE_INTEGER).originals;
}

/** Internal (for edit.ts): the instant (ms) of a floating wall-clock value of the series. */
export function instantOfFloating(p: PreparedSeries<object>, floating: number): number {
  return occurrenceInstant(p, floating);
}

/** True when the rule generates an occurrence starting exactly at `ms` (ignores EXDATEs and overrides). */
export function generates(p: PreparedSeries<object>, ms: number): boolean {
  if (!p.rule) return ms === p.startMs;
  return generateOriginals(p, ms, ms, 1).originals.some((o) => o.instant === ms);
}

/** Resolved timing of the occurrence with original start `originalMs`, with `override` applied. */
function resolveTiming(
  p: PreparedSeries<object>,
  originalMs: number,
  override: OccurrenceOverride<object> | undefined,
): Pick<Occurrence, 'start' | 'end' | 'allDay' | 'startDate' | 'endDate'> {
  const allDay = override?.allDay ?? p.allDay;
  if (allDay) {
    const originalDate = instantToLocalDate(new Date(originalMs), p.zone);
    const startDate = override?.startDate ?? originalDate;
    const endDate = override?.endDate ?? addDays(startDate, p.allDay ? p.days : 1);
    return {
      start: localDateToInstant(startDate, p.zone),
      end: localDateToInstant(endDate, p.zone),
      allDay: true,
      startDate,
      endDate,
    };
  }
  const start = override?.start ? override.start.getTime() : originalMs;
  const end = override?.end ? override.end.getTime() : start + (p.allDay ? HOUR_MS : p.durationMs);
  return { start: new Date(start), end: new Date(end), allDay: false };
}

function buildOccurrence<F extends object>(
  p: PreparedSeries<F>,
  originalMs: number,
  override: OccurrenceOverride<F> | undefined,
  floating?: number,
): Occurrence<F> {
  let timing: Pick<Occurrence, 'start' | 'end' | 'allDay' | 'startDate' | 'endDate'>;
  if (!override && p.allDay && floating !== undefined) {
    // Fast path for plain all-day occurrences: the floating value is the local date.
    const startDate = formatFloatingDate(floating);
    const endDate = addDays(startDate, p.days);
    timing = {
      start: new Date(originalMs),
      end: localDateToInstant(endDate, p.zone),
      allDay: true,
      startDate,
      endDate,
    };
  } else {
    timing = resolveTiming(p, originalMs, override);
  }
  const occurrence: Occurrence<F> = {
    seriesId: p.series.id,
    originalStart: new Date(originalMs),
    start: timing.start,
    end: timing.end,
    allDay: timing.allDay,
    overridden: override !== undefined,
    fields: { ...(p.series.fields ?? {}), ...(override?.fields ?? {}) } as Partial<F>,
  };
  if (timing.allDay) {
    occurrence.startDate = timing.startDate;
    occurrence.endDate = timing.endDate;
  }
  return occurrence;
}

function overlaps(occurrence: Occurrence<object>, fromMs: number, toMs: number): boolean {
  const start = occurrence.start.getTime();
  const end = occurrence.end.getTime();
  if (start >= toMs) return false;
  return end > fromMs || (end === start && start >= fromMs);
}

function byStart(a: Occurrence<object>, b: Occurrence<object>): number {
  return a.start.getTime() - b.start.getTime() || a.originalStart.getTime() - b.originalStart.getTime();
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_OCCURRENCES_PER_CALL;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer (got ${limit})`);
  return Math.min(limit, MAX_OCCURRENCES_PER_CALL);
}

/**
 * Occurrences of `series` overlapping `window` (`start < to && end > from`; a zero-length occurrence counts when
 * `from <= start < to`), sorted by start.
 *
 * - Recurrence is expanded on the wall clock of `series.timeZone` (09:00 stays 09:00 local across DST).
 * - Timed occurrences last the series duration in absolute time; all-day occurrences span the series' number of
 *   calendar days (local midnight to local midnight, so 23 or 25 hours across DST).
 * - EXDATEs remove occurrences (matched by original start instant); cancelled overrides remove them too.
 * - Overrides apply where they moved to: a moved occurrence appears when its NEW timing overlaps the window,
 *   whether or not its original start does. Overrides whose original start is not generated by the rule (orphans)
 *   are ignored.
 * - Iteration starts near the window (except for COUNT rules, which must count from the start) and at most
 *   `limit` (≤ 5000) occurrences are returned; `truncated` tells when more exist.
 *
 * Throws {@link RecurrenceError} for an invalid series and RangeError for an invalid window or limit.
 */
export function expandOccurrences<F extends object>(
  series: CalendarSeries<F>,
  window: TimeWindow,
  opts: ExpandOptions = {},
): ExpandResult<F> {
  const limit = checkLimit(opts.limit);
  if (!isValidDate(window.from) || !isValidDate(window.to))
    throw new RangeError('window from/to must be valid dates');
  const fromMs = window.from.getTime();
  const toMs = window.to.getTime();
  if (toMs < fromMs) throw new RangeError('window "to" must not be before "from"');
  const p = prepareSeries(series);

  if (!p.rule) {
    const single = buildOccurrence(p, p.startMs, undefined, p.allDay ? p.dtstart : undefined);
    return { occurrences: overlaps(single, fromMs, toMs) ? [single] : [], truncated: false };
  }

  const isHidden = (ms: number) => p.exdates.has(ms) || p.overrides.get(ms)?.cancelled === true;
  // An original can only overlap the window if it starts within one (original) duration before it.
  const maxDuration = p.allDay ? p.days * DAY_MS + 2 * HOUR_MS : p.durationMs;
  const generation = generateOriginals(p, fromMs - maxDuration, toMs - 1, limit, (ms) => !isHidden(ms));
  const generated = new Set<number>();
  const result: Occurrence<F>[] = [];
  for (const original of generation.originals) {
    generated.add(original.instant);
    if (isHidden(original.instant)) continue;
    const occurrence = buildOccurrence(
      p,
      original.instant,
      p.overrides.get(original.instant),
      original.floating,
    );
    if (overlaps(occurrence, fromMs, toMs)) result.push(occurrence);
  }
  const lastKnown = generation.cut
    ? generation.originals[generation.originals.length - 1]?.instant
    : undefined;
  // Overrides whose original lies outside the generated range but which moved into the window.
  for (const [originalMs, override] of p.overrides) {
    if (generated.has(originalMs) || isHidden(originalMs)) continue;
    const occurrence = buildOccurrence(p, originalMs, override);
    if (!overlaps(occurrence, fromMs, toMs)) continue;
    if (lastKnown !== undefined && occurrence.start.getTime() > lastKnown) continue;
    if (!generates(p, originalMs)) continue; // orphan: the rule no longer produces this RECURRENCE-ID
    result.push(occurrence);
  }
  let occurrences = result;
  if (lastKnown !== undefined) occurrences = occurrences.filter((o) => o.start.getTime() <= lastKnown);
  occurrences.sort(byStart);
  const truncated = generation.cut || occurrences.length > limit;
  return { occurrences: occurrences.slice(0, limit), truncated };
}

/**
 * True when the series' rule (or, for a single event, its start) produces an occurrence whose ORIGINAL start is
 * exactly `originalStart` — regardless of EXDATEs and overrides.
 */
export function isOccurrenceStart(series: CalendarSeries<object>, originalStart: Date): boolean {
  if (!isValidDate(originalStart)) return false;
  return generates(prepareSeries(series), originalStart.getTime());
}

/** Original start of the first occurrence the rule generates (ignoring EXDATEs), or null when it generates none. */
export function firstOccurrenceStart(series: CalendarSeries<object>): Date | null {
  const p = prepareSeries(series);
  return firstGenerated(p, () => true);
}

function firstGenerated(p: PreparedSeries<object>, accept: (ms: number) => boolean): Date | null {
  if (!p.rule) return accept(p.startMs) ? new Date(p.startMs) : null;
  const rule = p.rule;
  let found: number | null = null;
  rule.forEachBetween(p.dtstart, p.dtstart + FIRST_OCCURRENCE_HORIZON_MS, (floating) => {
    const instant = occurrenceInstant(p, floating);
    if (rule.untilInstant !== null && instant > rule.untilInstant) return true;
    if (!accept(instant)) return true;
    found = instant;
    return false;
  });
  return found === null ? null : new Date(found);
}

/**
 * Original start of the first occurrence that is visible (not exdated, not cancelled), or null. A moved override
 * counts with its ORIGINAL start.
 */
export function firstVisibleOccurrenceStart(series: CalendarSeries<object>): Date | null {
  const p = prepareSeries(series);
  return firstGenerated(p, (ms) => !p.exdates.has(ms) && p.overrides.get(ms)?.cancelled !== true);
}

/** Number of occurrences the rule generates with original start strictly before `before` (EXDATEs included). */
export function countOccurrencesBefore(series: CalendarSeries<object>, before: Date): number {
  const p = prepareSeries(series);
  if (!p.rule) return p.startMs < before.getTime() ? 1 : 0;
  const rule = p.rule;
  const limitMs = before.getTime();
  const seen = new Set<number>();
  rule.forEachBetween(p.dtstart, instantToFloating(limitMs, p.zone) + FLOATING_SLACK_MS, (floating) => {
    const instant = occurrenceInstant(p, floating);
    if (instant < limitMs && (rule.untilInstant === null || instant <= rule.untilInstant)) seen.add(instant);
    return true;
  });
  return seen.size;
}

/** Original starts the rule generates in [from, to] (inclusive), ignoring EXDATEs/overrides. At most `cap`. */
export function generatedStartsBetween(
  series: CalendarSeries<object>,
  from: Date,
  to: Date,
  cap = 10_000,
): Date[] {
  const p = prepareSeries(series);
  if (!p.rule) {
    const ms = p.startMs;
    return ms >= from.getTime() && ms <= to.getTime() ? [new Date(ms)] : [];
  }
  return generateOriginals(p, from.getTime(), to.getTime(), cap).originals.map((o) => new Date(o.instant));
}

/**
 * The occurrence with original start `originalStart`, with its override applied, or null when the series does not
 * generate it or it was deleted (EXDATE or cancelled override).
 */
export function findOccurrence<F extends object>(
  series: CalendarSeries<F>,
  originalStart: Date,
): Occurrence<F> | null {
  const p = prepareSeries(series);
  const ms = originalStart.getTime();
  if (!generates(p, ms)) return null;
  if (p.exdates.has(ms) || p.overrides.get(ms)?.cancelled) return null;
  return buildOccurrence(p, ms, p.rule ? p.overrides.get(ms) : undefined);
}

/**
 * Full validation for storing a series: shape (see {@link prepareSeries}), all-day start/end consistent with the
 * dates, and — for a recurring series — the start must itself be the first occurrence of the rule (RFC 5545 says
 * DTSTART should be synchronised with the rule; unsynchronised series are undefined). Use
 * {@link firstOccurrenceStart} on a draft to snap a start to the rule. Throws {@link RecurrenceError}.
 */
export function validateSeries(series: CalendarSeries<object>): void {
  const p = prepareSeries(series);
  if (p.allDay) {
    const start = p.startMs;
    const end = localDateToInstant(series.endDate as string, p.zone).getTime();
    if (
      !isValidDate(series.start) ||
      !isValidDate(series.end) ||
      series.start.getTime() !== start ||
      series.end.getTime() !== end
    ) {
      throw new RecurrenceError(
        `all-day start/end must be the local midnights of ${series.startDate} and ${series.endDate} in ${p.zone}`,
      );
    }
  }
  if (!p.rule) return;
  const first = firstGenerated(p, () => true);
  if (first === null) throw new RecurrenceError(`the rule "${series.recurrence}" produces no occurrences`);
  if (first.getTime() !== p.startMs) {
    throw new RecurrenceError(
      `the event start is not an occurrence of the rule "${series.recurrence}" (first occurrence would be ${first.toISOString()})`,
    );
  }
}
