import {
  floatingToInstant,
  formatFloating,
  formatFloatingDate,
  instantToFloating,
  instantToLocalDate,
  isValidTimeZone,
  localDateToInstant,
  normalizeTimeZone,
  parseLocalDate,
  parseLocalDateTime,
} from '../time/zone';
import { addDays, daysBetween, isValidLocalDate } from '../time/local-date';
import {
  countOccurrencesBefore,
  firstVisibleOccurrenceStart,
  generates,
  instantOfFloating,
  listOriginals,
  prepareSeries,
  validateSeries,
  type PreparedSeries,
} from './expand';
import {
  formatRecurrence,
  parseRecurrenceRule,
  RecurrenceError,
  withCount,
  withUntil,
  type RecurrenceRule,
  type RecurrenceUntil,
} from './rrule';
import type { CalendarSeries, OccurrenceOverride } from './types';

/**
 * Edit scopes for recurring events, as pure planning functions: they take the current series and return its next
 * state (plus a series to create when splitting). Nothing is written; the service persists the plan.
 *
 * Identification: an occurrence is addressed by its ORIGINAL start instant (RECURRENCE-ID), as returned in
 * `Occurrence.originalStart` — never by where an override moved it.
 */

export type EditScope = 'this' | 'thisAndFollowing' | 'all';

/**
 * Requested changes. Timing follows the event kind: timed events use `start`/`end` (instants), all-day events
 * `startDate`/`endDate` (`YYYY-MM-DD`, end exclusive). Moving the start without an end keeps the duration.
 * `allDay` switches the kind (timed → all-day defaults to the local date of the start, one day long; all-day →
 * timed needs `start`, default length one hour).
 *
 * For `this` and `thisAndFollowing`, and for `all` when `occurrenceStart` is given, the timing describes the new
 * timing of THAT occurrence, and the series moves by the same wall-clock shift. For `all` without
 * `occurrenceStart`, it is the new timing of the series' first occurrence.
 */
export interface EventChanges<F extends object = Record<string, unknown>> {
  start?: Date;
  end?: Date;
  allDay?: boolean;
  startDate?: string;
  endDate?: string;
  /** New IANA zone (not for `this`). Without a new start, the start instant is kept and read in the new zone. */
  timeZone?: string;
  /** New RRULE (validated, normalised) or null to stop recurring. Not for `this`. */
  recurrence?: string | null;
  fields?: Partial<F>;
}

export interface UpdateRequest<F extends object = Record<string, unknown>> {
  series: CalendarSeries<F>;
  scope: EditScope;
  /** Original start (RECURRENCE-ID) of the edited occurrence. Required for `this` / `thisAndFollowing`. */
  occurrenceStart?: Date;
  changes: EventChanges<F>;
}

export interface DeleteRequest<F extends object = Record<string, unknown>> {
  series: CalendarSeries<F>;
  scope: EditScope;
  /** Original start (RECURRENCE-ID) of the deleted occurrence. Required for `this` / `thisAndFollowing`. */
  occurrenceStart?: Date;
}

/** What to write. */
export interface EditPlan<F extends object = Record<string, unknown>> {
  /**
   * Scope actually applied: `thisAndFollowing` at the first visible occurrence becomes `all`, and any scope on a
   * non-recurring event becomes `all`.
   */
  scope: EditScope;
  action: 'update' | 'delete';
  /** Next full state of the edited series (same id) — replace the stored document with it. Null when deleted. */
  series: CalendarSeries<F> | null;
  /** The series must be deleted (with its overrides and exdates). */
  deleted: boolean;
  /** A new series to insert (thisAndFollowing update): the following part. The service assigns its id. */
  created: Omit<CalendarSeries<F>, 'id'> | null;
  /**
   * Overrides and exdates removed from the stored data because they no longer identify an occurrence (the rule or
   * time changed, the series was truncated, or it stopped recurring). For logging / telling the user.
   */
  dropped: { overrides: OccurrenceOverride<F>[]; exdates: Date[] };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const TIMING_KEYS = ['start', 'end', 'allDay', 'startDate', 'endDate'] as const;

/** Timing of an event or occurrence. */
interface Timing {
  allDay: boolean;
  start: Date;
  end: Date;
  startDate?: string;
  endDate?: string;
  timeZone: string;
}

function fail(message: string): never {
  throw new RecurrenceError(`recurrence: ${message}`);
}

function hasTimingChange(changes: EventChanges<object>): boolean {
  return TIMING_KEYS.some((key) => changes[key] !== undefined) || changes.timeZone !== undefined;
}

function checkDate(name: string, value: Date | undefined): void {
  if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
    fail(`${name} must be a valid date`);
  }
}

/** Applies the timing part of `changes` to `current`. */
function applyTiming(current: Timing, changes: EventChanges<object>): Timing {
  checkDate('start', changes.start);
  checkDate('end', changes.end);
  const requested = changes.timeZone ?? current.timeZone;
  if (!isValidTimeZone(requested)) fail(`timeZone "${requested}" is not a valid IANA time zone`);
  const zone = changes.timeZone === undefined ? current.timeZone : normalizeTimeZone(requested);
  const allDay = changes.allDay ?? current.allDay;
  if (allDay) {
    if (changes.start !== undefined || changes.end !== undefined) {
      fail('all-day events take startDate/endDate, not start/end');
    }
    for (const [name, value] of [
      ['startDate', changes.startDate],
      ['endDate', changes.endDate],
    ] as const) {
      if (value !== undefined && !isValidLocalDate(value))
        fail(`${name} "${value}" is not a date (YYYY-MM-DD)`);
    }
    let startDate: string;
    let endDate: string;
    if (!current.allDay) {
      startDate = changes.startDate ?? instantToLocalDate(current.start, zone);
      endDate = changes.endDate ?? addDays(startDate, 1);
    } else {
      const currentDays = daysBetween(current.startDate as string, current.endDate as string);
      startDate = changes.startDate ?? (current.startDate as string);
      endDate =
        changes.endDate ??
        (changes.startDate ? addDays(startDate, currentDays) : (current.endDate as string));
    }
    if (daysBetween(startDate, endDate) < 1) fail(`endDate ${endDate} must be after startDate ${startDate}`);
    return {
      allDay: true,
      startDate,
      endDate,
      start: localDateToInstant(startDate, zone),
      end: localDateToInstant(endDate, zone),
      timeZone: zone,
    };
  }
  if (changes.startDate !== undefined || changes.endDate !== undefined) {
    fail('timed events take start/end, not startDate/endDate');
  }
  let start: Date;
  let end: Date;
  if (current.allDay) {
    if (!changes.start) fail('start is required when switching an all-day event to a timed one');
    start = changes.start;
    end = changes.end ?? new Date(start.getTime() + HOUR_MS);
  } else {
    start = changes.start ?? current.start;
    end =
      changes.end ??
      (changes.start
        ? new Date(start.getTime() + (current.end.getTime() - current.start.getTime()))
        : current.end);
  }
  if (end.getTime() < start.getTime()) fail('end must not be before start');
  return { allDay: false, start, end, timeZone: zone };
}

/** Wall-clock reading (floating ms) of a timing's start. */
function floatingOf(timing: Timing): number {
  return timing.allDay
    ? parseLocalDate(timing.startDate as string)
    : instantToFloating(timing.start, timing.timeZone);
}

function seriesTiming(p: PreparedSeries<object>): Timing {
  const s = p.series;
  return p.allDay
    ? {
        allDay: true,
        startDate: s.startDate,
        endDate: s.endDate,
        start: new Date(p.startMs),
        end: localDateToInstant(s.endDate as string, p.zone),
        timeZone: p.zone,
      }
    : { allDay: false, start: s.start, end: s.end, timeZone: p.zone };
}

/** Timing the rule gives the occurrence with original start `ms` (overrides ignored). */
function originalTiming(p: PreparedSeries<object>, ms: number): Timing {
  if (ms === p.startMs) return seriesTiming(p);
  if (p.allDay) {
    const startDate = instantToLocalDate(new Date(ms), p.zone);
    const endDate = addDays(startDate, p.days);
    return {
      allDay: true,
      startDate,
      endDate,
      start: new Date(ms),
      end: localDateToInstant(endDate, p.zone),
      timeZone: p.zone,
    };
  }
  return { allDay: false, start: new Date(ms), end: new Date(ms + p.durationMs), timeZone: p.zone };
}

/** Writes `timing` onto a copy of `base` (start/end/allDay/startDate/endDate/timeZone). */
function withTiming<T extends Omit<CalendarSeries<object>, 'id'>>(base: T, timing: Timing): T {
  const next = {
    ...base,
    start: timing.start,
    end: timing.end,
    timeZone: timing.timeZone,
    allDay: timing.allDay,
  };
  if (timing.allDay) {
    next.startDate = timing.startDate;
    next.endDate = timing.endDate;
  } else {
    delete next.startDate;
    delete next.endDate;
  }
  return next;
}

function requireOccurrence(
  p: PreparedSeries<object>,
  occurrenceStart: Date | undefined,
  scope: EditScope,
): number {
  if (occurrenceStart === undefined) fail(`occurrenceStart is required for scope "${scope}"`);
  checkDate('occurrenceStart', occurrenceStart);
  const ms = occurrenceStart.getTime();
  if (!generates(p, ms)) {
    fail(`${occurrenceStart.toISOString()} is not an occurrence of series ${p.series.id}`);
  }
  return ms;
}

function isHidden(p: PreparedSeries<object>, ms: number): boolean {
  return p.exdates.has(ms) || p.overrides.get(ms)?.cancelled === true;
}

function emptyDropped<F extends object>(): EditPlan<F>['dropped'] {
  return { overrides: [], exdates: [] };
}

function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

function isEmptyOverride(override: OccurrenceOverride<object>): boolean {
  return (
    !override.cancelled &&
    TIMING_KEYS.every((key) => override[key] === undefined) &&
    Object.keys(override.fields ?? {}).length === 0
  );
}

function stripTiming<F extends object>(override: OccurrenceOverride<F>): OccurrenceOverride<F> {
  const { start: _s, end: _e, allDay: _a, startDate: _sd, endDate: _ed, ...rest } = override;
  return rest;
}

/**
 * The override of the occurrence the user just edited, with what the edit redefines removed (its timing when the
 * timing changed, the changed fields): the edit must show on that occurrence. Null when nothing is left.
 */
function cleanEditedOverride<F extends object>(
  override: OccurrenceOverride<F>,
  changes: EventChanges<F>,
): OccurrenceOverride<F> | null {
  let next = hasTimingChange(changes) ? stripTiming(override) : { ...override };
  if (next.fields && changes.fields) {
    const fields = { ...next.fields } as Record<string, unknown>;
    for (const key of Object.keys(changes.fields)) delete fields[key];
    next = { ...next, fields: fields as Partial<F> };
    if (Object.keys(fields).length === 0) delete next.fields;
  }
  return isEmptyOverride(next) ? null : next;
}

/** The rule of the edited/new series: explicit new rule, or the old one with UNTIL moved by the wall-clock shift. */
function shiftUntil(
  rule: RecurrenceRule,
  oldP: PreparedSeries<object>,
  newZone: string,
  delta: number,
): RecurrenceRule {
  const until = rule.until;
  if (!until || (delta === 0 && newZone === oldP.zone)) return rule;
  let next: RecurrenceUntil;
  switch (until.kind) {
    case 'instant': {
      const floating = instantToFloating(until.instant, oldP.zone) + delta;
      next = { kind: 'instant', instant: floatingToInstant(floating, newZone).instant };
      break;
    }
    case 'local': {
      next = { kind: 'local', local: formatFloating(parseLocalDateTime(until.local) + delta) };
      break;
    }
    case 'date': {
      // Move the date by the number of days the series' first occurrence moves on the calendar.
      const timeOfDay = ((oldP.dtstart % DAY_MS) + DAY_MS) % DAY_MS;
      const dayShift = Math.floor((timeOfDay + delta) / DAY_MS);
      next = { kind: 'date', date: addDays(until.date, dayShift) };
      break;
    }
  }
  return { ...rule, until: next };
}

interface Rekeyed<F extends object> {
  overrides: OccurrenceOverride<F>[];
  exdates: Date[];
  dropped: EditPlan<F>['dropped'];
}

/**
 * Moves overrides and exdates from `oldP` to `next`: each original start is read as the wall-clock value the old
 * rule generated, shifted by `delta` (floating ms), and resolved in the new zone. Items whose new key is not an
 * occurrence of `next` (or that were already orphans) are dropped. Explicit override timing is kept, except when
 * `stripOverrideTiming` (the event switched between timed and all-day).
 */
function rekey<F extends object>(
  oldP: PreparedSeries<F>,
  next: Omit<CalendarSeries<F>, 'id'>,
  delta: number,
  overrides: OccurrenceOverride<F>[],
  exdates: Date[],
  stripOverrideTiming: boolean,
): Rekeyed<F> {
  const result: Rekeyed<F> = { overrides: [], exdates: [], dropped: emptyDropped<F>() };
  if (!next.recurrence) {
    result.dropped = { overrides: [...overrides], exdates: [...exdates] };
    return result;
  }
  const keys = [...overrides.map((o) => o.originalStart.getTime()), ...exdates.map((d) => d.getTime())];
  if (keys.length === 0) return result;
  const oldFloating = new Map(
    listOriginals(oldP, Math.min(...keys), Math.max(...keys)).map((o) => [o.instant, o.floating] as const),
  );
  const newP = prepareSeries({
    ...next,
    id: oldP.series.id,
    overrides: [],
    exdates: [],
  } as CalendarSeries<F>);
  const mapped = new Map<number, number>();
  for (const key of keys) {
    const floating = oldFloating.get(key);
    if (floating !== undefined) mapped.set(key, instantOfFloating(newP, floating + delta));
  }
  const targets = [...mapped.values()];
  const valid = new Set(
    targets.length === 0
      ? []
      : listOriginals(newP, Math.min(...targets), Math.max(...targets)).map((o) => o.instant),
  );
  const used = new Set<number>();
  for (const override of overrides) {
    const target = mapped.get(override.originalStart.getTime());
    if (target === undefined || !valid.has(target) || used.has(target)) {
      result.dropped.overrides.push(override);
      continue;
    }
    used.add(target);
    const moved = stripOverrideTiming ? stripTiming(override) : { ...override };
    moved.originalStart = new Date(target);
    if (!isEmptyOverride(moved)) result.overrides.push(moved);
  }
  const usedExdates = new Set<number>();
  for (const exdate of exdates) {
    const target = mapped.get(exdate.getTime());
    if (target === undefined || !valid.has(target) || usedExdates.has(target)) {
      result.dropped.exdates.push(exdate);
      continue;
    }
    usedExdates.add(target);
    result.exdates.push(new Date(target));
  }
  result.overrides.sort((a, b) => a.originalStart.getTime() - b.originalStart.getTime());
  result.exdates.sort((a, b) => a.getTime() - b.getTime());
  return result;
}

function normaliseRule(recurrence: string | null | undefined): string | null {
  return recurrence ? formatRecurrence(parseRecurrenceRule(recurrence)) : null;
}

function validateNew(next: Omit<CalendarSeries<object>, 'id'>, what: string): void {
  try {
    validateSeries({ ...next, id: 'new', overrides: [], exdates: [] });
  } catch (error) {
    if (error instanceof RecurrenceError) fail(`${what}: ${error.message.replace(/^recurrence: /, '')}`);
    throw error;
  }
}

function mergeFields<F extends object>(base: F | undefined, changes: Partial<F> | undefined): F | undefined {
  if (!changes) return base;
  return { ...(base ?? {}), ...changes } as F;
}

// ---------------------------------------------------------------------------------------------------------------
// Scope: all
// ---------------------------------------------------------------------------------------------------------------

function planAllUpdate<F extends object>(
  p: PreparedSeries<F>,
  changes: EventChanges<F>,
  occurrenceMs: number | undefined,
): EditPlan<F> {
  const series = p.series;
  const refMs = occurrenceMs ?? p.startMs;
  const ref = originalTiming(p, refMs);
  const target = applyTiming(ref, changes);
  const delta = floatingOf(target) - floatingOf(ref);
  const zone = target.timeZone;

  // New first occurrence: the old first occurrence shifted by the same wall-clock delta.
  let timing: Timing;
  if (refMs === p.startMs) {
    timing = target;
  } else if (target.allDay) {
    const startDate = formatFloatingDate(p.dtstart + delta);
    const endDate = addDays(startDate, daysBetween(target.startDate as string, target.endDate as string));
    timing = {
      allDay: true,
      startDate,
      endDate,
      start: localDateToInstant(startDate, zone),
      end: localDateToInstant(endDate, zone),
      timeZone: zone,
    };
  } else {
    const start = floatingToInstant(p.dtstart + delta, zone).instant;
    const end = new Date(start.getTime() + (target.end.getTime() - target.start.getTime()));
    timing = { allDay: false, start, end, timeZone: zone };
  }

  let recurrence: string | null;
  if (changes.recurrence !== undefined) {
    recurrence = normaliseRule(changes.recurrence);
  } else if (series.recurrence) {
    recurrence = formatRecurrence(shiftUntil(parseRecurrenceRule(series.recurrence), p, zone, delta));
  } else {
    recurrence = null;
  }

  const base: CalendarSeries<F> = {
    ...series,
    recurrence,
    fields: mergeFields(series.fields, changes.fields),
  };
  let next = withTiming(base, timing);

  let overrides = [...(series.overrides ?? [])];
  const dropped = emptyDropped<F>();
  if (occurrenceMs !== undefined) {
    overrides = overrides.flatMap((o) => {
      if (o.originalStart.getTime() !== occurrenceMs) return [o];
      const cleaned = cleanEditedOverride(o, changes);
      return cleaned ? [cleaned] : [];
    });
  }
  validateNew(next, 'the edited series');
  const rekeyed = rekey(p, next, delta, overrides, series.exdates ?? [], target.allDay !== p.allDay);
  next = { ...next, overrides: rekeyed.overrides, exdates: rekeyed.exdates };
  if (!recurrence) {
    delete next.overrides;
    delete next.exdates;
  }
  dropped.overrides.push(...rekeyed.dropped.overrides);
  dropped.exdates.push(...rekeyed.dropped.exdates);
  return { scope: 'all', action: 'update', series: compact(next), deleted: false, created: null, dropped };
}

function deleteWholeSeries<F extends object>(_p: PreparedSeries<F>): EditPlan<F> {
  return {
    scope: 'all',
    action: 'delete',
    series: null,
    deleted: true,
    created: null,
    dropped: emptyDropped<F>(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scope: this
// ---------------------------------------------------------------------------------------------------------------

function planThisUpdate<F extends object>(
  p: PreparedSeries<F>,
  ms: number,
  changes: EventChanges<F>,
): EditPlan<F> {
  if (changes.recurrence !== undefined) {
    fail('the rule cannot be changed for a single occurrence (use scope "thisAndFollowing" or "all")');
  }
  if (
    changes.timeZone !== undefined &&
    (!isValidTimeZone(changes.timeZone) || normalizeTimeZone(changes.timeZone) !== normalizeTimeZone(p.zone))
  ) {
    fail('the time zone cannot be changed for a single occurrence (use scope "thisAndFollowing" or "all")');
  }
  if (isHidden(p, ms)) fail(`occurrence ${new Date(ms).toISOString()} was deleted`);
  const existing = p.overrides.get(ms);
  const override: OccurrenceOverride<F> = existing ? { ...existing } : { originalStart: new Date(ms) };
  override.originalStart = new Date(ms);
  if (TIMING_KEYS.some((key) => changes[key] !== undefined)) {
    // Current timing of the occurrence (with the existing override), then the requested change.
    const current = currentOccurrenceTiming(p, ms, existing);
    const target = applyTiming(current, { ...changes, timeZone: undefined });
    delete override.start;
    delete override.end;
    delete override.startDate;
    delete override.endDate;
    delete override.allDay;
    if (target.allDay !== p.allDay) override.allDay = target.allDay;
    if (target.allDay) {
      override.startDate = target.startDate;
      override.endDate = target.endDate;
    } else {
      override.start = target.start;
      override.end = target.end;
    }
  }
  if (changes.fields) override.fields = { ...(existing?.fields ?? {}), ...changes.fields };
  const overrides = (p.series.overrides ?? []).filter((o) => o.originalStart.getTime() !== ms);
  overrides.push(compact(override));
  overrides.sort((a, b) => a.originalStart.getTime() - b.originalStart.getTime());
  return {
    scope: 'this',
    action: 'update',
    series: { ...p.series, overrides },
    deleted: false,
    created: null,
    dropped: emptyDropped<F>(),
  };
}

function currentOccurrenceTiming(
  p: PreparedSeries<object>,
  ms: number,
  override: OccurrenceOverride<object> | undefined,
): Timing {
  const original = originalTiming(p, ms);
  if (!override) return original;
  const allDay = override.allDay ?? p.allDay;
  if (allDay) {
    const startDate =
      override.startDate ??
      (original.allDay ? (original.startDate as string) : instantToLocalDate(original.start, p.zone));
    const endDate = override.endDate ?? addDays(startDate, p.allDay ? p.days : 1);
    return {
      allDay: true,
      startDate,
      endDate,
      start: localDateToInstant(startDate, p.zone),
      end: localDateToInstant(endDate, p.zone),
      timeZone: p.zone,
    };
  }
  const start = override.start ?? original.start;
  const end = override.end ?? new Date(start.getTime() + (p.allDay ? HOUR_MS : p.durationMs));
  return { allDay: false, start, end, timeZone: p.zone };
}

function planThisDelete<F extends object>(p: PreparedSeries<F>, ms: number): EditPlan<F> {
  const exdates = [...(p.series.exdates ?? [])];
  if (!p.exdates.has(ms)) exdates.push(new Date(ms));
  exdates.sort((a, b) => a.getTime() - b.getTime());
  const overrides = (p.series.overrides ?? []).filter((o) => o.originalStart.getTime() !== ms);
  return {
    scope: 'this',
    action: 'delete',
    series: { ...p.series, exdates, overrides },
    deleted: false,
    created: null,
    dropped: emptyDropped<F>(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scope: thisAndFollowing
// ---------------------------------------------------------------------------------------------------------------

/** True when no visible occurrence precedes `ms` (then thisAndFollowing is the whole series). */
function startsTheSeries(p: PreparedSeries<object>, ms: number): boolean {
  const firstVisible = firstVisibleOccurrenceStart(p.series);
  return firstVisible === null || firstVisible.getTime() >= ms;
}

/** The series truncated just before `ms`, keeping every earlier occurrence, override and exdate. */
function truncateBefore<F extends object>(
  p: PreparedSeries<F>,
  ms: number,
): { series: CalendarSeries<F>; dropped: EditPlan<F>['dropped'] } {
  const series = p.series;
  const rule = parseRecurrenceRule(series.recurrence as string);
  const until: RecurrenceUntil = p.allDay
    ? { kind: 'date', date: addDays(instantToLocalDate(new Date(ms), p.zone), -1) }
    : { kind: 'instant', instant: new Date(ms - 1000) };
  const dropped = emptyDropped<F>();
  const overrides: OccurrenceOverride<F>[] = [];
  for (const o of series.overrides ?? [])
    (o.originalStart.getTime() < ms ? overrides : dropped.overrides).push(o);
  const exdates: Date[] = [];
  for (const d of series.exdates ?? []) (d.getTime() < ms ? exdates : dropped.exdates).push(d);
  return {
    series: { ...series, recurrence: formatRecurrence(withUntil(rule, until)), overrides, exdates },
    dropped,
  };
}

function planFollowingUpdate<F extends object>(
  p: PreparedSeries<F>,
  ms: number,
  changes: EventChanges<F>,
): EditPlan<F> {
  if (startsTheSeries(p, ms)) return planAllUpdate(p, changes, ms);
  const series = p.series;
  const rule = parseRecurrenceRule(series.recurrence as string);
  const before = countOccurrencesBefore(series, new Date(ms));
  const truncated = truncateBefore(p, ms);

  const ref = originalTiming(p, ms);
  const target = applyTiming(ref, changes);
  const delta = floatingOf(target) - floatingOf(ref);

  let recurrence: string | null;
  if (changes.recurrence !== undefined) {
    recurrence = normaliseRule(changes.recurrence);
  } else {
    const following = rule.count !== undefined ? withCount(rule, rule.count - before) : rule;
    recurrence = formatRecurrence(shiftUntil(following, p, target.timeZone, delta));
  }

  const { id: _id, ...rest } = series;
  let created: Omit<CalendarSeries<F>, 'id'> = withTiming(
    { ...rest, recurrence, fields: mergeFields(series.fields, changes.fields) },
    target,
  );
  validateNew(created, 'the following series');

  const followingOverrides = truncated.dropped.overrides.flatMap((o) => {
    if (o.originalStart.getTime() !== ms) return [o];
    const cleaned = cleanEditedOverride(o, changes);
    return cleaned ? [cleaned] : [];
  });
  const rekeyed = rekey(
    p,
    created,
    delta,
    followingOverrides,
    truncated.dropped.exdates,
    target.allDay !== p.allDay,
  );
  created = { ...created, overrides: rekeyed.overrides, exdates: rekeyed.exdates };
  if (!recurrence) {
    delete created.overrides;
    delete created.exdates;
  }
  return {
    scope: 'thisAndFollowing',
    action: 'update',
    series: truncated.series,
    deleted: false,
    created: compact(created),
    dropped: rekeyed.dropped,
  };
}

function planFollowingDelete<F extends object>(p: PreparedSeries<F>, ms: number): EditPlan<F> {
  if (startsTheSeries(p, ms)) return deleteWholeSeries(p);
  const truncated = truncateBefore(p, ms);
  return {
    scope: 'thisAndFollowing',
    action: 'delete',
    series: truncated.series,
    deleted: false,
    created: null,
    dropped: truncated.dropped,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/**
 * Plans an update (PATCH) of a series or one of its occurrences.
 *
 * - `this`: creates or replaces the override of `occurrenceStart` (timing and fields merged into any existing
 *   override). The rule and zone cannot change; a deleted occurrence cannot be edited.
 * - `thisAndFollowing`: splits the series at `occurrenceStart` (S). The existing series keeps every occurrence
 *   before S (its rule gets UNTIL = S − 1 s, or the day before S for all-day; COUNT becomes that UNTIL) and the
 *   overrides/exdates before S. `created` starts at S with the changes applied and the remaining COUNT (original
 *   COUNT − occurrences before S), or the same UNTIL moved by the wall-clock shift; overrides/exdates from S on are
 *   moved to it, re-keyed by the same shift. If no visible occurrence precedes S, this is `all`.
 * - `all`: changes the series. The start moves by the wall-clock shift of the edited occurrence (or to
 *   `changes.start` when `occurrenceStart` is absent); BYHOUR/BYMINUTE/… in the rule are not rewritten, so the new
 *   start must still be an occurrence of the rule. Overrides keep their content (explicit user choices) and, like
 *   exdates, are re-keyed to the shifted occurrences; those that no longer match an occurrence are `dropped`.
 *
 * The edited occurrence's own override loses what the edit redefines (its timing when timing changes, the changed
 * fields) for `thisAndFollowing` and `all`. Throws {@link RecurrenceError}.
 */
export function planUpdate<F extends object>(request: UpdateRequest<F>): EditPlan<F> {
  const p = prepareSeries(request.series);
  const { scope, changes } = request;
  if (!p.rule) {
    const ms = request.occurrenceStart ? requireOccurrence(p, request.occurrenceStart, scope) : undefined;
    return planAllUpdate(p, changes, ms);
  }
  switch (scope) {
    case 'this':
      return planThisUpdate(p, requireOccurrence(p, request.occurrenceStart, scope), changes);
    case 'thisAndFollowing':
      return planFollowingUpdate(p, requireOccurrence(p, request.occurrenceStart, scope), changes);
    case 'all': {
      const ms = request.occurrenceStart ? requireOccurrence(p, request.occurrenceStart, scope) : undefined;
      return planAllUpdate(p, changes, ms);
    }
    default:
      return fail(`unknown edit scope "${scope as string}"`);
  }
}

/**
 * Plans a deletion.
 *
 * - `this`: adds an EXDATE for `occurrenceStart` and removes its override (idempotent).
 * - `thisAndFollowing`: truncates the series before `occurrenceStart` (as for updates); overrides/exdates from
 *   there on are `dropped`. If no visible occurrence precedes it, the whole series is deleted.
 * - `all` (and any scope on a non-recurring event): the series is deleted.
 */
export function planDelete<F extends object>(request: DeleteRequest<F>): EditPlan<F> {
  const p = prepareSeries(request.series);
  const { scope } = request;
  if (!p.rule) {
    if (request.occurrenceStart) requireOccurrence(p, request.occurrenceStart, scope);
    return deleteWholeSeries(p);
  }
  switch (scope) {
    case 'this':
      return planThisDelete(p, requireOccurrence(p, request.occurrenceStart, scope));
    case 'thisAndFollowing':
      return planFollowingDelete(p, requireOccurrence(p, request.occurrenceStart, scope));
    case 'all':
      if (request.occurrenceStart) requireOccurrence(p, request.occurrenceStart, scope);
      return deleteWholeSeries(p);
    default:
      return fail(`unknown edit scope "${scope as string}"`);
  }
}
