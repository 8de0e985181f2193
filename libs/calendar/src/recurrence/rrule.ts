import { LRUCache } from 'lru-cache';
import { Frequency, RRule, Weekday, type Options as RRuleOptions } from 'rrule';

import { formatFloating, instantToFloating, parseLocalDate, parseLocalDateTime } from '../time/zone';

/**
 * RFC 5545 RRULE parsing, validation, normalisation and floating-time iteration.
 *
 * rrule (`RRule.parseString`, `RRule.optionsToString`) reads and writes the rule; it lacks RFC 5545 validation
 * (it accepts repeated or unknown parts, empty items, out-of-range values, COUNT with UNTIL) and UNTIL's forms.
 *
 * The rule never carries DTSTART: the series start (and its zone) lives on the event. Iteration happens on
 * "floating" wall-clock values (local time encoded as fake UTC, see `time/zone.ts`), so a 09:00 weekly rule stays
 * at 09:00 local across DST changes; the caller converts each floating value to an instant in the event zone.
 */

/** Thrown for an invalid recurrence (rule text, series shape, or edit request). Messages start with `recurrence:`. */
export class RecurrenceError extends Error {
  constructor(message: string) {
    super(message.startsWith('recurrence:') ? message : `recurrence: ${message}`);
    this.name = 'RecurrenceError';
  }
}

/**
 * UNTIL, inclusive, in one of the three RFC 5545 forms:
 *  - `instant` (`20260630T070000Z`): compared against real occurrence instants;
 *  - `date` (`20260630`): the whole local day in the event zone is included (the form for all-day events);
 *  - `local` (`20260630T090000`): a wall-clock reading in the event zone.
 */
export type RecurrenceUntil =
  { kind: 'instant'; instant: Date } | { kind: 'date'; date: string } | { kind: 'local'; local: string };

/**
 * A validated rule: rrule's options (same names, so they spread into `new RRule`), without DTSTART, and with UNTIL
 * in its RFC 5545 form. Lists are de-duplicated and sorted; absent parts are undefined. Treat as immutable: parsed
 * rules are cached and shared.
 */
export interface RecurrenceRule {
  /** DAILY, WEEKLY, MONTHLY or YEARLY (sub-daily frequencies are rejected). */
  freq: Frequency;
  interval: number;
  count?: number;
  until?: RecurrenceUntil;
  bymonth?: number[];
  byweekno?: number[];
  byyearday?: number[];
  bymonthday?: number[];
  /** BYDAY: `MO`, or with an ordinal (`n`) `1MO` / `-1FR` (only with MONTHLY / YEARLY). */
  byweekday?: Weekday[];
  byhour?: number[];
  byminute?: number[];
  bysecond?: number[];
  bysetpos?: number[];
  wkst?: Weekday;
}

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const SUB_DAILY = ['HOURLY', 'MINUTELY', 'SECONDLY'];
const DAY_MS = 86_400_000;
const DAYS_IN_MONTH_MAX = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

type ListKey =
  'bysecond' | 'byminute' | 'byhour' | 'bymonthday' | 'byyearday' | 'byweekno' | 'bymonth' | 'bysetpos';

/** The numeric list parts with their RFC 5545 ranges, in canonical output order. */
const NUMERIC_LISTS: Record<string, { key: ListKey; min: number; max: number; signed: boolean }> = {
  BYMONTH: { key: 'bymonth', min: 1, max: 12, signed: false },
  BYWEEKNO: { key: 'byweekno', min: 1, max: 53, signed: true },
  BYYEARDAY: { key: 'byyearday', min: 1, max: 366, signed: true },
  BYMONTHDAY: { key: 'bymonthday', min: 1, max: 31, signed: true },
  BYHOUR: { key: 'byhour', min: 0, max: 23, signed: false },
  BYMINUTE: { key: 'byminute', min: 0, max: 59, signed: false },
  BYSECOND: { key: 'bysecond', min: 0, max: 59, signed: false },
  BYSETPOS: { key: 'bysetpos', min: 1, max: 366, signed: true },
};

const KNOWN_PARTS = new Set([
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYDAY',
  'WKST',
  ...Object.keys(NUMERIC_LISTS),
]);

function fail(message: string): never {
  throw new RecurrenceError(`recurrence: ${message}`);
}

function checkPositiveInt(part: string, value: string): void {
  if (!/^\d+$/.test(value)) fail(`${part} "${value}" is not a positive integer`);
  const n = Number(value);
  if (n < 1 || !Number.isSafeInteger(n)) fail(`${part} "${value}" must be a positive integer`);
}

function splitList(part: string, value: string): string[] {
  const items = value.split(',');
  if (items.some((item) => item === '')) fail(`${part} "${value}" has an empty item`);
  return items;
}

function checkNumberList(part: string, value: string): void {
  const { min, max, signed } = NUMERIC_LISTS[part];
  for (const item of splitList(part, value)) {
    const ok = signed ? /^[+-]?\d{1,3}$/.test(item) : /^\d{1,2}$/.test(item);
    const abs = Math.abs(Number(item));
    if (!ok || abs < min || abs > max) {
      const range = signed ? `${min}..${max} or -${max}..-${min}` : `${min}..${max}`;
      fail(`${part} "${item}" is out of range (${range})`);
    }
  }
}

function checkByDay(value: string): void {
  for (const item of splitList('BYDAY', value)) {
    const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(item);
    if (!m || !WEEKDAYS.includes(m[2])) fail(`BYDAY "${item}" is not a weekday`);
    if (m[1] !== undefined && (Number(m[1]) === 0 || Math.abs(Number(m[1])) > 53)) {
      fail(`BYDAY "${item}" has an ordinal out of range (1..53 or -53..-1)`);
    }
  }
}

/** rrule reads every UNTIL as a UTC date-time (and rolls 20260231 over into March); the three forms are ours. */
function parseUntil(value: string): RecurrenceUntil {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) fail(`UNTIL "${value}" is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])`);
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  try {
    if (m[4] === undefined) {
      parseLocalDate(date);
      return { kind: 'date', date };
    }
    const local = `${date}T${m[4]}:${m[5]}:${m[6]}`;
    const floating = parseLocalDateTime(local);
    return m[7] ? { kind: 'instant', instant: new Date(floating) } : { kind: 'local', local };
  } catch {
    return fail(`UNTIL "${value}" is not a valid date or date-time`);
  }
}

/**
 * Checks the rule text against the RFC 5545 grammar (one RRULE line, known parts once each, values in range) and
 * returns its parts by name, upper case.
 */
function checkSyntax(rule: string): Map<string, string> {
  if (typeof rule !== 'string') fail('the rule must be a string');
  let text = rule.trim();
  if (/[\r\n]/.test(text)) fail('the rule must be a single RRULE line (no DTSTART, EXDATE or RDATE lines)');
  if (/^DTSTART[:;]/i.test(text))
    fail('DTSTART is not allowed in the rule (the event start is the series start)');
  text = text.replace(/^RRULE:/i, '');
  if (text === '') fail('the rule is empty');

  const raw = new Map<string, string>();
  for (const piece of text.split(';')) {
    if (piece === '') fail(`empty part in "${rule.trim()}"`);
    const eq = piece.indexOf('=');
    if (eq <= 0) fail(`part "${piece}" is not NAME=VALUE`);
    const name = piece.slice(0, eq).toUpperCase();
    const value = piece.slice(eq + 1).toUpperCase();
    if (name === 'DTSTART' || name === 'TZID') {
      fail(`${name} is not allowed in the rule (the event start and time zone are stored on the event)`);
    }
    if (!KNOWN_PARTS.has(name)) fail(`unknown part "${name}"`);
    if (raw.has(name)) fail(`${name} appears more than once`);
    if (value === '') fail(`${name} has no value`);
    raw.set(name, value);
  }

  const freq = raw.get('FREQ');
  if (freq === undefined) fail('FREQ is missing');
  if (SUB_DAILY.includes(freq)) fail(`FREQ=${freq} is not supported (use DAILY, WEEKLY, MONTHLY or YEARLY)`);
  if (!FREQUENCIES.includes(freq)) fail(`FREQ "${freq}" is not a frequency`);
  const interval = raw.get('INTERVAL');
  if (interval !== undefined) checkPositiveInt('INTERVAL', interval);
  const count = raw.get('COUNT');
  if (count !== undefined && raw.has('UNTIL')) fail('COUNT and UNTIL must not both be present');
  if (count !== undefined) checkPositiveInt('COUNT', count);
  for (const part of Object.keys(NUMERIC_LISTS)) {
    const value = raw.get(part);
    if (value !== undefined) checkNumberList(part, value);
  }
  const byDay = raw.get('BYDAY');
  if (byDay !== undefined) checkByDay(byDay);
  const wkst = raw.get('WKST');
  if (wkst !== undefined && !WEEKDAYS.includes(wkst)) fail(`WKST "${wkst}" is not a weekday`);
  return raw;
}

/** The frequency-dependent constraints of RFC 5545 §3.3.10, which rrule does not check. */
function checkConstraints(rule: RecurrenceRule): void {
  const freq = Frequency[rule.freq];
  const ordinals = rule.byweekday?.filter((d) => d.n !== undefined) ?? [];
  if (ordinals.length > 0) {
    if (rule.freq !== Frequency.MONTHLY && rule.freq !== Frequency.YEARLY) {
      fail(`BYDAY ordinals (e.g. "1MO") are only allowed with FREQ=MONTHLY or FREQ=YEARLY, not ${freq}`);
    }
    if (rule.freq === Frequency.YEARLY && rule.byweekno) {
      fail('BYDAY ordinals are not allowed together with BYWEEKNO');
    }
    if (rule.freq === Frequency.MONTHLY && ordinals.some((d) => Math.abs(d.n as number) > 5)) {
      fail('BYDAY ordinals must be within 1..5 or -5..-1 with FREQ=MONTHLY');
    }
  }
  if (rule.bymonth && rule.bymonthday) {
    const longest = Math.max(...rule.bymonth.map((m) => DAYS_IN_MONTH_MAX[m - 1]));
    if (rule.bymonthday.every((day) => Math.abs(day) > longest)) {
      fail(`BYMONTHDAY=${rule.bymonthday.join(',')} never occurs in BYMONTH=${rule.bymonth.join(',')}`);
    }
  }
  if (rule.bymonthday && rule.freq === Frequency.WEEKLY) fail('BYMONTHDAY is not allowed with FREQ=WEEKLY');
  if (rule.byyearday && rule.freq !== Frequency.YEARLY) {
    fail(`BYYEARDAY is only allowed with FREQ=YEARLY, not ${freq}`);
  }
  if (rule.byweekno && rule.freq !== Frequency.YEARLY) {
    fail(`BYWEEKNO is only allowed with FREQ=YEARLY, not ${freq}`);
  }
  const selectors: (keyof RecurrenceRule)[] = [
    'bysecond',
    'byminute',
    'byhour',
    'byweekday',
    'bymonthday',
    'byyearday',
    'byweekno',
    'bymonth',
  ];
  if (rule.bysetpos && !selectors.some((key) => rule[key] !== undefined)) {
    fail('BYSETPOS needs another BYxxx part to select from');
  }
}

function sortedNumbers(value: number | number[] | null | undefined): number[] | undefined {
  if (value === null || value === undefined) return undefined;
  return [...new Set(Array.isArray(value) ? value : [value])].sort((a, b) => a - b);
}

function sortedWeekdays(value: RRuleOptions['byweekday'] | undefined): Weekday[] | undefined {
  if (value === null || value === undefined) return undefined;
  const unique = new Map<string, Weekday>();
  for (const day of (Array.isArray(value) ? value : [value]) as Weekday[]) unique.set(day.toString(), day);
  return [...unique.values()].sort((a, b) => a.weekday - b.weekday || (a.n ?? 0) - (b.n ?? 0));
}

// Parsed rules by rule text: every window read expands its series' rules, so each text is parsed once. Parsing is
// a pure function of the text, so entries never go stale: bounded by count, no TTL.
const parsedRules = new LRUCache<string, RecurrenceRule>({ max: 5000 });

/**
 * Parses and validates an RRULE (with or without the `RRULE:` prefix; case-insensitive) into a
 * {@link RecurrenceRule} (shared and frozen: copy, never modify). Throws {@link RecurrenceError} naming the offending part.
 */
export function parseRecurrenceRule(rule: string): RecurrenceRule {
  let parsed = typeof rule === 'string' ? parsedRules.get(rule) : undefined;
  if (parsed === undefined) {
    parsed = Object.freeze(parseUncached(rule));
    parsedRules.set(rule, parsed);
  }
  return parsed;
}

function parseUncached(rule: string): RecurrenceRule {
  const raw = checkSyntax(rule);
  const untilText = raw.get('UNTIL');
  raw.delete('UNTIL');
  const options = RRule.parseString([...raw].map(([name, value]) => `${name}=${value}`).join(';'));
  const out: RecurrenceRule = { freq: options.freq as Frequency, interval: options.interval ?? 1 };
  if (options.count !== undefined && options.count !== null) out.count = options.count;
  if (untilText !== undefined) out.until = parseUntil(untilText);
  for (const { key } of Object.values(NUMERIC_LISTS)) {
    const values = sortedNumbers(options[key]);
    if (values) out[key] = values;
  }
  const byweekday = sortedWeekdays(options.byweekday);
  if (byweekday) out.byweekday = byweekday;
  if (options.wkst !== undefined && options.wkst !== null) out.wkst = options.wkst as Weekday;
  checkConstraints(out);
  return out;
}

function formatUntil(until: RecurrenceUntil): string {
  switch (until.kind) {
    case 'date':
      return until.date.replace(/-/g, '');
    case 'local':
      return until.local.replace(/[-:]/g, '');
    case 'instant':
      return `${formatFloating(until.instant.getTime()).replace(/[-:]/g, '')}Z`;
  }
}

/**
 * Serialises a rule in canonical form (no `RRULE:` prefix): FREQ, INTERVAL (omitted when 1), COUNT or UNTIL,
 * BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY, BYHOUR, BYMINUTE, BYSECOND, BYSETPOS, WKST (omitted when MO).
 */
export function formatRecurrence(rule: RecurrenceRule): string {
  // rrule writes the parts in the order of the options' keys, so the canonical order is the order built here.
  const options: Partial<RRuleOptions> = { freq: rule.freq };
  if (rule.interval !== 1) options.interval = rule.interval;
  if (rule.count !== undefined) options.count = rule.count;
  for (const key of ['bymonth', 'byweekno', 'byyearday', 'bymonthday'] as const) options[key] = rule[key];
  options.byweekday = rule.byweekday;
  for (const key of ['byhour', 'byminute', 'bysecond', 'bysetpos'] as const) options[key] = rule[key];
  if (rule.wkst && rule.wkst.weekday !== RRule.MO.weekday) options.wkst = rule.wkst;
  // rrule writes ordinals as "+1MO"; the stored form has always been "1MO" (both are RFC 5545).
  const parts = RRule.optionsToString(options)
    .replace(/^RRULE:/, '')
    .replace(/\+/g, '')
    .split(';');
  // rrule writes UNTIL only as a UTC date-time; ours keeps the date and local forms. It follows FREQ and INTERVAL.
  if (rule.until) parts.splice(rule.interval === 1 ? 1 : 2, 0, `UNTIL=${formatUntil(rule.until)}`);
  return parts.join(';');
}

/**
 * Validates an RRULE and returns it normalised (canonical order, upper case, no `RRULE:` prefix, lists sorted and
 * de-duplicated). Throws {@link RecurrenceError}, e.g. `recurrence: BYDAY "XX" is not a weekday`.
 */
export function parseRecurrence(rule: string): string {
  return formatRecurrence(parseRecurrenceRule(rule));
}

/** A copy of `rule` ending with `until` (COUNT removed). */
export function withUntil(rule: RecurrenceRule, until: RecurrenceUntil): RecurrenceRule {
  const { count: _count, until: _until, ...rest } = rule;
  return { ...rest, until };
}

/** A copy of `rule` limited to `count` occurrences (UNTIL removed). */
export function withCount(rule: RecurrenceRule, count: number): RecurrenceRule {
  const { count: _count, until: _until, ...rest } = rule;
  return { ...rest, count };
}

/** True when the rule sets the time of day itself (BYHOUR / BYMINUTE / BYSECOND). */
export function ruleSetsTimeOfDay(rule: RecurrenceRule): boolean {
  return Boolean(rule.byhour || rule.byminute || rule.bysecond);
}

// ---------------------------------------------------------------------------------------------------------------
// Floating-time iteration
// ---------------------------------------------------------------------------------------------------------------

/** A rule bound to a series start (floating) and zone, ready to iterate. */
export interface FloatingRule {
  readonly rule: RecurrenceRule;
  /** Series start as floating milliseconds (DTSTART read in the event zone). */
  readonly dtstart: number;
  /** UNTIL as an instant (ms) when the rule has a UTC UNTIL; occurrences after it must be dropped by the caller. */
  readonly untilInstant: number | null;
  /**
   * Visits, in order, the occurrences whose floating value lies in [from, to] (floating ms, inclusive). Stops early
   * when `visit` returns false. Iteration starts near `from`, not at DTSTART: COUNT rules are turned into "until
   * the last occurrence" once (computed by iterating from DTSTART, then cached per rule and DTSTART).
   */
  forEachBetween(from: number, to: number, visit: (floating: number) => boolean): void;
}

function weekdayIndexOfFloating(floating: number): number {
  return (new Date(floating).getUTCDay() + 6) % 7; // MO = 0 … SU = 6, as rrule counts
}

/**
 * The options rrule would derive from DTSTART (default BYMONTH / BYMONTHDAY / BYDAY and time of day), made
 * explicit so that iteration can start from any period boundary without changing the result.
 */
function explicitOptions(rule: RecurrenceRule, dtstart: number): Partial<RRuleOptions> {
  const d = new Date(dtstart);
  const { count: _count, until: _until, ...rest } = rule;
  const options: Partial<RRuleOptions> = {
    ...rest,
    byhour: rule.byhour ?? [d.getUTCHours()],
    byminute: rule.byminute ?? [d.getUTCMinutes()],
    bysecond: rule.bysecond ?? [d.getUTCSeconds()],
  };
  if (!rule.byweekno && !rule.byyearday && !rule.bymonthday && !rule.byweekday) {
    switch (rule.freq) {
      case Frequency.YEARLY:
        options.bymonth = rule.bymonth ?? [d.getUTCMonth() + 1];
        options.bymonthday = [d.getUTCDate()];
        break;
      case Frequency.MONTHLY:
        options.bymonthday = [d.getUTCDate()];
        break;
      case Frequency.WEEKLY:
        options.byweekday = [weekdayIndexOfFloating(dtstart)];
        break;
    }
  }
  return options;
}

function startOfDay(floating: number): number {
  return Math.floor(floating / DAY_MS) * DAY_MS;
}

/**
 * A period boundary (start of day / week / month / year, in floating ms) at a whole number of INTERVAL periods
 * after DTSTART's period and at least one full INTERVAL before `target`; or null when DTSTART is already close.
 */
function fastForwardStart(rule: RecurrenceRule, dtstart: number, target: number): number | null {
  if (target <= dtstart) return null;
  const interval = rule.interval;
  const d = new Date(dtstart);
  const t = new Date(target);
  let periods: number;
  const skip = (elapsed: number) => Math.floor(elapsed / interval) * interval - interval;
  switch (rule.freq) {
    case Frequency.DAILY: {
      const base = startOfDay(dtstart);
      periods = skip(Math.floor((startOfDay(target) - base) / DAY_MS));
      return periods > 0 ? base + periods * DAY_MS : null;
    }
    case Frequency.WEEKLY: {
      const wkst = rule.wkst?.weekday ?? RRule.MO.weekday;
      const base = startOfDay(dtstart) - ((weekdayIndexOfFloating(dtstart) - wkst + 7) % 7) * DAY_MS;
      periods = skip(Math.floor((startOfDay(target) - base) / (7 * DAY_MS)));
      return periods > 0 ? base + periods * 7 * DAY_MS : null;
    }
    case Frequency.MONTHLY: {
      const base = d.getUTCFullYear() * 12 + d.getUTCMonth();
      periods = skip(t.getUTCFullYear() * 12 + t.getUTCMonth() - base);
      if (periods <= 0) return null;
      const month = base + periods;
      return Date.UTC(Math.floor(month / 12), month % 12, 1);
    }
    default: {
      // YEARLY
      periods = skip(t.getUTCFullYear() - d.getUTCFullYear());
      return periods > 0 ? Date.UTC(d.getUTCFullYear() + periods, 0, 1) : null;
    }
  }
}

const UNTIL_INSTANT_SLACK_MS = 2 * DAY_MS;

/**
 * Binds `rule` to a series starting at floating `dtstart` in `zone`. UNTIL is applied in floating time for `date`
 * (end of that local day) and `local` forms; for the `instant` form the iteration runs two days past the local
 * reading of UNTIL and the caller must drop occurrences whose instant is after {@link FloatingRule.untilInstant}.
 */
export function bindRule(rule: RecurrenceRule, dtstart: number, zone: string): FloatingRule {
  let untilFloating: number | null = null;
  let untilInstant: number | null = null;
  if (rule.until) {
    switch (rule.until.kind) {
      case 'date':
        untilFloating = parseLocalDate(rule.until.date) + DAY_MS - 1000;
        break;
      case 'local':
        untilFloating = parseLocalDateTime(rule.until.local);
        break;
      case 'instant':
        untilInstant = rule.until.instant.getTime();
        untilFloating = instantToFloating(rule.until.instant, zone) + UNTIL_INSTANT_SLACK_MS;
        break;
    }
  }
  const base = explicitOptions(rule, dtstart);
  return {
    rule,
    dtstart,
    untilInstant,
    forEachBetween(from, to, visit) {
      let until = untilFloating;
      if (rule.count !== undefined) {
        // COUNT is positional; once the last occurrence is known the rule is "until that occurrence", which can
        // be iterated from anywhere.
        const last = lastOccurrenceOfCount(rule, dtstart, base);
        if (last === null) return;
        until = last;
      }
      const upper = until === null ? to : Math.min(to, until);
      if (upper < from || upper < dtstart) return;
      const start = fastForwardStart(rule, dtstart, from) ?? dtstart;
      const rrule = new RRule(
        { ...base, dtstart: new Date(start), count: null, until: until === null ? null : new Date(until) },
        true,
      );
      rrule.between(new Date(Math.max(from, dtstart)), new Date(upper), true, (date) =>
        visit(date.getTime()),
      );
    },
  };
}

// Last floating occurrence of COUNT rules, by rule text and DTSTART (independent of the zone). A pure function of
// the key, so entries never go stale: bounded by count, no TTL.
const lastOfCount = new LRUCache<string, { last: number | null }>({ max: 2000 });
// COUNT rules are followed for at most this long after DTSTART (400 years).
const COUNT_HORIZON_MS = 400 * 365.2425 * DAY_MS;

function lastOccurrenceOfCount(
  rule: RecurrenceRule,
  dtstart: number,
  base: Partial<RRuleOptions>,
): number | null {
  const key = `${formatRecurrence(rule)}|${dtstart}`;
  const cached = lastOfCount.get(key);
  if (cached !== undefined) return cached.last;
  // Bounded so that a rule that (almost) never matches, or an absurd COUNT, cannot iterate to year 9999.
  let last: number | null = null;
  const until = new Date(dtstart + COUNT_HORIZON_MS);
  new RRule({ ...base, dtstart: new Date(dtstart), count: rule.count ?? null, until }, true).all((date) => {
    last = date.getTime();
    return true;
  });
  lastOfCount.set(key, { last });
  return last;
}
