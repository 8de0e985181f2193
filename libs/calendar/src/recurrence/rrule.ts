import { RRule, Weekday, type Options as RRuleOptions } from 'rrule';

import { formatFloating, instantToFloating, parseLocalDate, parseLocalDateTime } from '../time/zone';

/**
 * RFC 5545 RRULE parsing, validation, normalisation and floating-time iteration.
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

/** Supported frequencies. Sub-daily frequencies (HOURLY, MINUTELY, SECONDLY) are rejected. */
export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export type WeekdayCode = 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA' | 'SU';

/** One BYDAY entry: `MO`, or with an ordinal `1MO` / `-1FR` (only with MONTHLY / YEARLY). */
export interface ByDay {
  weekday: WeekdayCode;
  nth?: number;
}

/**
 * UNTIL, inclusive, in one of the three RFC 5545 forms:
 *  - `instant` (`20260630T070000Z`): compared against real occurrence instants;
 *  - `date` (`20260630`): the whole local day in the event zone is included (the form for all-day events);
 *  - `local` (`20260630T090000`): a wall-clock reading in the event zone.
 */
export type RecurrenceUntil =
  { kind: 'instant'; instant: Date } | { kind: 'date'; date: string } | { kind: 'local'; local: string };

/** A validated rule. List parts are de-duplicated and sorted; absent parts are undefined. */
export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  count?: number;
  until?: RecurrenceUntil;
  bySecond?: number[];
  byMinute?: number[];
  byHour?: number[];
  byDay?: ByDay[];
  byMonthDay?: number[];
  byYearDay?: number[];
  byWeekNo?: number[];
  byMonth?: number[];
  bySetPos?: number[];
  wkst?: WeekdayCode;
}

export const WEEKDAYS: readonly WeekdayCode[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const FREQUENCIES: readonly Frequency[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const SUB_DAILY = ['HOURLY', 'MINUTELY', 'SECONDLY'];
const RRULE_FREQ: Record<Frequency, number> = {
  YEARLY: RRule.YEARLY,
  MONTHLY: RRule.MONTHLY,
  WEEKLY: RRule.WEEKLY,
  DAILY: RRule.DAILY,
};
const DAY_MS = 86_400_000;
const DAYS_IN_MONTH_MAX = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

type ListPart =
  'BYSECOND' | 'BYMINUTE' | 'BYHOUR' | 'BYMONTHDAY' | 'BYYEARDAY' | 'BYWEEKNO' | 'BYMONTH' | 'BYSETPOS';

const NUMERIC_LISTS: Record<
  ListPart,
  { key: keyof RecurrenceRule; min: number; max: number; signed: boolean }
> = {
  BYSECOND: { key: 'bySecond', min: 0, max: 59, signed: false },
  BYMINUTE: { key: 'byMinute', min: 0, max: 59, signed: false },
  BYHOUR: { key: 'byHour', min: 0, max: 23, signed: false },
  BYMONTHDAY: { key: 'byMonthDay', min: 1, max: 31, signed: true },
  BYYEARDAY: { key: 'byYearDay', min: 1, max: 366, signed: true },
  BYWEEKNO: { key: 'byWeekNo', min: 1, max: 53, signed: true },
  BYMONTH: { key: 'byMonth', min: 1, max: 12, signed: false },
  BYSETPOS: { key: 'bySetPos', min: 1, max: 366, signed: true },
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

function parsePositiveInt(part: string, value: string): number {
  if (!/^\d+$/.test(value)) fail(`${part} "${value}" is not a positive integer`);
  const n = Number(value);
  if (n < 1 || !Number.isSafeInteger(n)) fail(`${part} "${value}" must be a positive integer`);
  return n;
}

function splitList(part: string, value: string): string[] {
  const items = value.split(',');
  if (items.some((item) => item === '')) fail(`${part} "${value}" has an empty item`);
  return items;
}

function parseNumberList(part: ListPart, value: string): number[] {
  const { min, max, signed } = NUMERIC_LISTS[part];
  const out = new Set<number>();
  for (const item of splitList(part, value)) {
    const ok = signed ? /^[+-]?\d{1,3}$/.test(item) : /^\d{1,2}$/.test(item);
    const n = Number(item);
    const abs = Math.abs(n);
    if (!ok || abs < min || abs > max || (!signed && n < 0)) {
      const range = signed ? `${min}..${max} or -${max}..-${min}` : `${min}..${max}`;
      fail(`${part} "${item}" is out of range (${range})`);
    }
    out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

function parseWeekdayCode(part: string, value: string): WeekdayCode {
  if (!(WEEKDAYS as readonly string[]).includes(value)) fail(`${part} "${value}" is not a weekday`);
  return value as WeekdayCode;
}

function parseByDay(value: string): ByDay[] {
  const seen = new Map<string, ByDay>();
  for (const item of splitList('BYDAY', value)) {
    const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(item);
    if (!m || !(WEEKDAYS as readonly string[]).includes(m[2])) fail(`BYDAY "${item}" is not a weekday`);
    const weekday = m[2] as WeekdayCode;
    let nth: number | undefined;
    if (m[1] !== undefined) {
      nth = Number(m[1]);
      if (nth === 0 || Math.abs(nth) > 53)
        fail(`BYDAY "${item}" has an ordinal out of range (1..53 or -53..-1)`);
    }
    const entry: ByDay = nth === undefined ? { weekday } : { weekday, nth };
    seen.set(`${nth ?? 0}${weekday}`, entry);
  }
  return [...seen.values()].sort(
    (a, b) => WEEKDAYS.indexOf(a.weekday) - WEEKDAYS.indexOf(b.weekday) || (a.nth ?? 0) - (b.nth ?? 0),
  );
}

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
 * Parses and validates an RRULE (with or without the `RRULE:` prefix; case-insensitive) into a
 * {@link RecurrenceRule}. Throws {@link RecurrenceError} naming the offending part.
 */
export function parseRecurrenceRule(rule: string): RecurrenceRule {
  if (typeof rule !== 'string') fail('the rule must be a string');
  let text = rule.trim();
  if (/[\r\n]/.test(text)) fail('the rule must be a single RRULE line (no DTSTART, EXDATE or RDATE lines)');
  if (/^DTSTART[:;]/i.test(text))
    fail('DTSTART is not allowed in the rule (the event start is the series start)');
  text = text.replace(/^RRULE:/i, '');
  if (text === '') fail('the rule is empty');

  const seen = new Set<string>();
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
    if (seen.has(name)) fail(`${name} appears more than once`);
    if (value === '') fail(`${name} has no value`);
    seen.add(name);
    raw.set(name, value);
  }

  const freqText = raw.get('FREQ');
  if (freqText === undefined) fail('FREQ is missing');
  if (SUB_DAILY.includes(freqText))
    fail(`FREQ=${freqText} is not supported (use DAILY, WEEKLY, MONTHLY or YEARLY)`);
  if (!(FREQUENCIES as readonly string[]).includes(freqText)) fail(`FREQ "${freqText}" is not a frequency`);
  const freq = freqText as Frequency;

  const out: RecurrenceRule = { freq, interval: 1 };
  const interval = raw.get('INTERVAL');
  if (interval !== undefined) out.interval = parsePositiveInt('INTERVAL', interval);
  const count = raw.get('COUNT');
  const until = raw.get('UNTIL');
  if (count !== undefined && until !== undefined) fail('COUNT and UNTIL must not both be present');
  if (count !== undefined) out.count = parsePositiveInt('COUNT', count);
  if (until !== undefined) out.until = parseUntil(until);
  for (const part of Object.keys(NUMERIC_LISTS) as ListPart[]) {
    const value = raw.get(part);
    if (value !== undefined) {
      (out as unknown as Record<string, number[]>)[NUMERIC_LISTS[part].key] = parseNumberList(part, value);
    }
  }
  const byDay = raw.get('BYDAY');
  if (byDay !== undefined) out.byDay = parseByDay(byDay);
  const wkst = raw.get('WKST');
  if (wkst !== undefined) out.wkst = parseWeekdayCode('WKST', wkst);

  // Frequency-dependent constraints from RFC 5545 §3.3.10.
  if (out.byDay?.some((d) => d.nth !== undefined)) {
    if (freq !== 'MONTHLY' && freq !== 'YEARLY') {
      fail(`BYDAY ordinals (e.g. "1MO") are only allowed with FREQ=MONTHLY or FREQ=YEARLY, not ${freq}`);
    }
    if (freq === 'YEARLY' && out.byWeekNo) fail('BYDAY ordinals are not allowed together with BYWEEKNO');
    if (freq === 'MONTHLY' && out.byDay.some((d) => d.nth !== undefined && Math.abs(d.nth) > 5)) {
      fail('BYDAY ordinals must be within 1..5 or -5..-1 with FREQ=MONTHLY');
    }
  }
  if (out.byMonth && out.byMonthDay) {
    const longest = Math.max(...out.byMonth.map((m) => DAYS_IN_MONTH_MAX[m - 1]));
    if (out.byMonthDay.every((day) => Math.abs(day) > longest)) {
      fail(`BYMONTHDAY=${out.byMonthDay.join(',')} never occurs in BYMONTH=${out.byMonth.join(',')}`);
    }
  }
  if (out.byMonthDay && freq === 'WEEKLY') fail('BYMONTHDAY is not allowed with FREQ=WEEKLY');
  if (out.byYearDay && freq !== 'YEARLY') fail(`BYYEARDAY is only allowed with FREQ=YEARLY, not ${freq}`);
  if (out.byWeekNo && freq !== 'YEARLY') fail(`BYWEEKNO is only allowed with FREQ=YEARLY, not ${freq}`);
  if (
    out.bySetPos &&
    !(
      out.bySecond ||
      out.byMinute ||
      out.byHour ||
      out.byDay ||
      out.byMonthDay ||
      out.byYearDay ||
      out.byWeekNo ||
      out.byMonth
    )
  ) {
    fail('BYSETPOS needs another BYxxx part to select from');
  }
  return out;
}

function compactDate(date: string): string {
  return date.replace(/-/g, '');
}

function formatUntil(until: RecurrenceUntil): string {
  switch (until.kind) {
    case 'date':
      return compactDate(until.date);
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
  const parts: string[] = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.until !== undefined) parts.push(`UNTIL=${formatUntil(rule.until)}`);
  const list = (name: string, values: number[] | undefined) => {
    if (values && values.length > 0) parts.push(`${name}=${values.join(',')}`);
  };
  list('BYMONTH', rule.byMonth);
  list('BYWEEKNO', rule.byWeekNo);
  list('BYYEARDAY', rule.byYearDay);
  list('BYMONTHDAY', rule.byMonthDay);
  if (rule.byDay && rule.byDay.length > 0) {
    parts.push(`BYDAY=${rule.byDay.map((d) => `${d.nth ?? ''}${d.weekday}`).join(',')}`);
  }
  list('BYHOUR', rule.byHour);
  list('BYMINUTE', rule.byMinute);
  list('BYSECOND', rule.bySecond);
  list('BYSETPOS', rule.bySetPos);
  if (rule.wkst && rule.wkst !== 'MO') parts.push(`WKST=${rule.wkst}`);
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
  return Boolean(rule.byHour || rule.byMinute || rule.bySecond);
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
  const options: Partial<RRuleOptions> = {
    freq: RRULE_FREQ[rule.freq],
    interval: rule.interval,
    wkst: WEEKDAYS.indexOf(rule.wkst ?? 'MO'),
    bysetpos: rule.bySetPos ?? null,
    bymonth: rule.byMonth ?? null,
    bymonthday: rule.byMonthDay ?? null,
    byyearday: rule.byYearDay ?? null,
    byweekno: rule.byWeekNo ?? null,
    byweekday: rule.byDay ? rule.byDay.map((b) => new Weekday(WEEKDAYS.indexOf(b.weekday), b.nth)) : null,
    byhour: rule.byHour ?? [d.getUTCHours()],
    byminute: rule.byMinute ?? [d.getUTCMinutes()],
    bysecond: rule.bySecond ?? [d.getUTCSeconds()],
  };
  if (!rule.byWeekNo && !rule.byYearDay && !rule.byMonthDay && !rule.byDay) {
    switch (rule.freq) {
      case 'YEARLY':
        options.bymonth = rule.byMonth ?? [d.getUTCMonth() + 1];
        options.bymonthday = [d.getUTCDate()];
        break;
      case 'MONTHLY':
        options.bymonthday = [d.getUTCDate()];
        break;
      case 'WEEKLY':
        options.byweekday = [weekdayIndexOfFloating(dtstart)];
        break;
      case 'DAILY':
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
    case 'DAILY': {
      const base = startOfDay(dtstart);
      periods = skip(Math.floor((startOfDay(target) - base) / DAY_MS));
      return periods > 0 ? base + periods * DAY_MS : null;
    }
    case 'WEEKLY': {
      const wkst = WEEKDAYS.indexOf(rule.wkst ?? 'MO');
      const base = startOfDay(dtstart) - ((weekdayIndexOfFloating(dtstart) - wkst + 7) % 7) * DAY_MS;
      periods = skip(Math.floor((startOfDay(target) - base) / (7 * DAY_MS)));
      return periods > 0 ? base + periods * 7 * DAY_MS : null;
    }
    case 'MONTHLY': {
      const base = d.getUTCFullYear() * 12 + d.getUTCMonth();
      periods = skip(t.getUTCFullYear() * 12 + t.getUTCMonth() - base);
      if (periods <= 0) return null;
      const month = base + periods;
      return Date.UTC(Math.floor(month / 12), month % 12, 1);
    }
    case 'YEARLY': {
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

// Last floating occurrence of COUNT rules, by rule text and DTSTART (independent of the zone). Bounded LRU.
const lastOfCount = new Map<string, number | null>();
const LAST_OF_COUNT_CACHE_SIZE = 2000;
// COUNT rules are followed for at most this long after DTSTART (400 years).
const COUNT_HORIZON_MS = 400 * 365.2425 * DAY_MS;

function lastOccurrenceOfCount(
  rule: RecurrenceRule,
  dtstart: number,
  base: Partial<RRuleOptions>,
): number | null {
  const key = `${formatRecurrence(rule)}|${dtstart}`;
  const cached = lastOfCount.get(key);
  if (cached !== undefined) {
    lastOfCount.delete(key);
    lastOfCount.set(key, cached);
    return cached;
  }
  // Bounded so that a rule that (almost) never matches, or an absurd COUNT, cannot iterate to year 9999.
  let last: number | null = null;
  const until = new Date(dtstart + COUNT_HORIZON_MS);
  new RRule({ ...base, dtstart: new Date(dtstart), count: rule.count ?? null, until }, true).all((date) => {
    last = date.getTime();
    return true;
  });
  if (lastOfCount.size >= LAST_OF_COUNT_CACHE_SIZE) {
    const oldest = lastOfCount.keys().next().value;
    if (oldest !== undefined) lastOfCount.delete(oldest);
  }
  lastOfCount.set(key, last);
  return last;
}
