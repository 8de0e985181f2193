import * as chrono from 'chrono-node';
import { addDays, compareDates, LocalDate, makeDate } from '@app/calendar';
import { Clock, DaySpan, HourMinute, Instant } from './clock';
import { DURATION, parseLength } from './durations';
import {
  countValue,
  MONTH,
  MONTH_FULL,
  monthNumber,
  NUMBER_WORD,
  WEEKDAY,
  weekdayNumber,
  WEEKDAY_FULL,
} from './lexicon';
import { MASK, MaskedText } from './masked-text';

/**
 * Finds the date, time, duration and span phrases of a request, consumes them from the text and
 * resolves them against the request's clock following the conventions of docs/assistant-contract.md: weekday
 * names, dates without a year, hours without am/pm, "tonight", "in 45 minutes", "this weekend"…
 */

export type Meridiem = 'am' | 'pm';

/** A time of day as written: "3", "3pm", "15:30", "noon". */
export interface ClockTime {
  readonly hour: number;
  readonly minute: number;
  readonly meridiem: Meridiem | null;
  /** Written so that it cannot be am/pm-ambiguous (24-hour, "noon", "midnight"). */
  readonly exact: boolean;
}

export type DayPeriod = 'morning' | 'afternoon' | 'evening' | 'night';

/** The default time of a part of the day ("morning" 09:00, "tonight" 19:00). */
export const PERIOD_START: Readonly<Record<DayPeriod, HourMinute>> = {
  morning: { hour: 9, minute: 0 },
  afternoon: { hour: 14, minute: 0 },
  evening: { hour: 18, minute: 0 },
  night: { hour: 19, minute: 0 },
};

/**
 * The span of a part of the day for checks and blocks (conventions 17 and 18), in minutes after
 * local midnight: morning 08:00–12:00, afternoon 12:00–17:00, evening (and "tonight") 17:00–22:00.
 */
export const PERIOD_SPAN: Readonly<Record<DayPeriod, readonly [number, number]>> = {
  morning: [8 * 60, 12 * 60],
  afternoon: [12 * 60, 17 * 60],
  evening: [17 * 60, 22 * 60],
  night: [17 * 60, 22 * 60],
};

/** A day named in the request. */
export interface DayMention {
  readonly date: LocalDate;
  readonly start: number;
  readonly end: number;
  /** The preposition before it ("on", "from", "between", "starting"…), lower-case, or "". */
  readonly prefix: string;
  /** Set when the day was named by a weekday alone ("Friday", "next Friday"). */
  readonly weekday?: number;
}

export interface TemporalFacts {
  /** Single days named, in the order of the text (ranges merged into `span`). */
  readonly days: DayMention[];
  /** A multi-day span: "this week", "next weekend", "from June 15 to June 17". */
  span: DaySpan | null;
  /** True when the span starts now rather than at midnight ("the rest of the week"). */
  spanFromNow: boolean;
  startTime: ClockTime | null;
  endTime: ClockTime | null;
  period: DayPeriod | null;
  /** An instant relative to now: "in 45 minutes", "2 hours from now". */
  relative: Instant | null;
  /** A length in minutes: "for 90 minutes", "a 30 minute call". */
  minutes: number | null;
  /** A length in days: "for 3 days". */
  lengthDays: number | null;
  /** "all day", "all-day". */
  allDay: boolean;
  /** A day introduced by "starting", "beginning" or "from" (a recurrence's first day). */
  anchor: LocalDate | null;
}

export interface ScanOptions {
  /** A lone number is an hour ("move it to 4"), not only after "at". */
  readonly bareHours?: boolean;
  /** A part of the day counts on its own ("reserve the evening"), not only next to a day. */
  readonly barePeriods?: boolean;
}

// ── Patterns ────────────────────────────────────────────────────────────────────────────────────

const PREFIX =
  '(?:(on|for|by|until|till|til|from|starting(?:\\s+(?:on|from))?|beginning(?:\\s+on)?|between|due|as\\s+of)\\s+)?';
const NO_DIGIT_BEFORE = '(?<![\\d:.\\/-])';
const ORDINAL_SUFFIX = '(?:st|nd|rd|th)?';
const NOT_TIME_AFTER =
  "(?![\\d:])(?!\\s*(?:am|pm|a\\.m|p\\.m|o'?clock|h(?:ours?|rs?)?|min|minutes?)(?![a-z]))";

const RELATIVE_IN = new RegExp(
  `\\b(?:in|within)\\s+(?:about\\s+|around\\s+|roughly\\s+|approximately\\s+|another\\s+|just\\s+)?(${DURATION})(?:\\s+from\\s+now)?(?:'s\\s+time)?`,
  'g',
);
const RELATIVE_FROM = new RegExp(`\\b(${DURATION})\\s+(?:from\\s+(now|today|tomorrow)|later(?![a-z]))`, 'g');
const ALL_DAY =
  /\b(?:for\s+)?(?:the\s+)?(?:all[- ]day|whole[- ]day|entire\s+day|full[- ]day)(?:\s+long)?(?![a-z])/g;
const DURATION_FOR = new RegExp(
  `\\b(?:for|lasting|lasts|taking|takes)\\s+(?:about\\s+|around\\s+|roughly\\s+|approximately\\s+|just\\s+|only\\s+|a\\s+good\\s+)?(${DURATION})(?:[- ]?long)?(?![a-z])`,
  'g',
);
const DURATION_BARE = new RegExp(`\\b(${DURATION})(?:[- ]?long)?(?![a-z])`, 'g');

const RELATIVE_DAY = new RegExp(
  `\\b${PREFIX}(?:later\\s+|early\\s+)?(?:the\\s+)?(day\\s+after\\s+tomorrow|today|tonight|tonite|tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|yesterday)(?:'s)?(?![a-z])`,
  'g',
);
const WEEK_WEEKDAY = new RegExp(
  `\\b${PREFIX}(this|next)\\s+week(?:'s)?\\s+(?:on\\s+)?(${WEEKDAY})(?:'s)?`,
  'g',
);
const MONTH_FIRST = new RegExp(
  `\\b${PREFIX}(?:${WEEKDAY},?\\s+(?:the\\s+)?)?(${MONTH})\\s*(?:the\\s+)?${NO_DIGIT_BEFORE}(\\d{1,2})${ORDINAL_SUFFIX}${NOT_TIME_AFTER}` +
    `(?:(?:,\\s*|\\s+)(\\d{4})(?![\\d:]))?` +
    `(?:\\s*(?:-|to|through|thru|until|till)\\s*(?:the\\s+)?(\\d{1,2})${ORDINAL_SUFFIX}${NOT_TIME_AFTER})?(?:'s)?`,
  'g',
);
const DAY_FIRST = new RegExp(
  `\\b${PREFIX}(?:${WEEKDAY},?\\s+)?(?:the\\s+)?${NO_DIGIT_BEFORE}(?:(\\d{1,2})${ORDINAL_SUFFIX}\\s*(?:-|to|through|thru|until|till|and)\\s*(?:the\\s+)?)?` +
    `(\\d{1,2})${ORDINAL_SUFFIX}\\s+(?:of\\s+)?(${MONTH})(?:,?\\s+(\\d{4})(?![\\d:]))?(?:'s)?`,
  'g',
);
const ISO_DATE = new RegExp(`\\b${PREFIX}(\\d{4})-(\\d{2})-(\\d{2})(?![\\d])`, 'g');
const SLASH_DATE = new RegExp(
  `\\b${PREFIX}${NO_DIGIT_BEFORE}(\\d{1,2})\\/(\\d{1,2})(?:\\/(\\d{4}|\\d{2}))?(?![\\d\\/])`,
  'g',
);
const ORDINAL_DAY = new RegExp(
  `\\b${PREFIX}(?:(${WEEKDAY}),?\\s+)?(the\\s+)?${NO_DIGIT_BEFORE}(\\d{1,2})(?:st|nd|rd|th)(?![a-z])` +
    `(?:\\s+of\\s+(this|next|the)\\s+month)?(?:'s)?`,
  'g',
);
const NOT_A_DAY_AFTER_ORDINAL =
  /^\s+(?:floor|grade|place|row|time|times|street|st\.?|avenue|ave|century|edition|round|period|quarter|inning|anniversary|birthday|year|annual|house|level|draft|attempt|day|week|month)(?![a-z])/;
const WEEKDAY_NAME = new RegExp(
  `\\b${PREFIX}(?:(this\\s+coming|this|next|coming|upcoming|following)\\s+)?(${WEEKDAY})(?:'s)?(?:\\s+(?:of\\s+)?(this|next)\\s+week(?:'s)?)?`,
  'g',
);
const FULL_WEEKDAY = new RegExp(`^${WEEKDAY_FULL}$`);
const REST_OF =
  /\b(?:(?:for|during|in|over)\s+)?(?:the\s+)?rest\s+of\s+(?:the\s+|this\s+)?(week|day|today|month)(?![a-z])/g;
const NAMED_SPAN = new RegExp(
  `\\b${PREFIX}(?:(?:in|during|over|for|throughout)\\s+)?(?:(this\\s+coming|this|next|coming|upcoming|following|the|my)\\s+)(week\\s+after\\s+next|week|weekend|month)(?:'s)?(?![a-z])`,
  'g',
);
const WEEKEND_BARE = /\b(?:(?:on|over|for|during)\s+)?weekend(?![a-z])/g;
const MONTH_SPAN = new RegExp(
  `\\b(?:in|during|for|throughout)\\s+(${MONTH_FULL})(?:\\s+(\\d{4}))?(?![a-z\\d])`,
  'g',
);

/** A time in a range; groups: hour, minute, meridiem, word. */
const TIME_CORE = `(?:(\\d{1,2})(?:[:.](\\d{2}))?\\s*(a\\.?m\\.?|p\\.?m\\.?)?(?![a-z\\d])|(noon|midday|midnight))`;
const TIME_RANGE = new RegExp(
  `(?<![a-z0-9'])(?:(from|between)\\s+)?(?:(?:at|@)\\s*)?${NO_DIGIT_BEFORE}${TIME_CORE}` +
    `\\s*(-|to|until|till|til|and)\\s*(?:(?:at|@)\\s+)?${TIME_CORE}(?![\\d:])`,
  'g',
);
const NOT_TIME_UNIT_AFTER =
  /^\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|people|persons?|guests?|times|%|x|st|nd|rd|th)(?![a-z])/;
const TIME_SINGLE = new RegExp(
  `(?<![a-z0-9'])((?:(?:at|@|by|around|about|approximately|approx\\.?|from|starting(?:\\s+at)?|beginning(?:\\s+at)?|until|till|til|to|before|after|ending(?:\\s+at)?|ends?(?:\\s+at)?)\\s+)*)${NO_DIGIT_BEFORE}` +
    `(?:(\\d{1,2})(?:[:.](\\d{2}))?\\s*(a\\.?m\\.?|p\\.?m\\.?)(?![a-z])` +
    `|(\\d{1,2})[:h](\\d{2})(?![\\d])(?:\\s*(?:hrs|hours|h)(?![a-z]))?(?:-?ish(?![a-z]))?` +
    `|(noon|midday|midnight|lunchtime|lunch\\s+time)(?![a-z])` +
    `|(\\d{1,2}|${NUMBER_WORD})\\s*o'?clock(?![a-z])` +
    `|(half|quarter)\\s+(past|after|to|before)\\s+(\\d{1,2}|${NUMBER_WORD})(?![a-z\\d])` +
    `|(\\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?:[.](\\d{2}))?(?![\\d:.])(?![a-z])` +
    `|(\\d{1,2})(?::(\\d{2}))?\\s*-?ish(?![a-z]))`,
  'g',
);
const PERIOD =
  /\b(?:(?:in|during)\s+the\s+|(this)\s+|at\s+|early\s+|late\s+|mid-?)?(morning|afternoon|evening|night|tonight|tonite)(?![a-z])/g;
const RANGE_GAP = /^\s*(?:-|to|through|thru|until|till|and)\s*$/;

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────

function meridiemOf(raw: string | undefined): Meridiem | null {
  if (!raw) return null;
  return raw.startsWith('a') ? 'am' : 'pm';
}

function clockTime(
  hourRaw: string | undefined,
  minuteRaw: string | undefined,
  mer: string | undefined,
  word?: string,
): ClockTime | null {
  if (word) {
    if (word === 'midnight') return { hour: 0, minute: 0, meridiem: 'am', exact: true };
    return { hour: 12, minute: 0, meridiem: 'pm', exact: true };
  }
  if (hourRaw === undefined) return null;
  const hour = Number(hourRaw);
  const minute = minuteRaw === undefined ? 0 : Number(minuteRaw);
  if (minute > 59) return null;
  const meridiem = meridiemOf(mer);
  if (meridiem) {
    if (hour < 1 || hour > 12) return hour === 0 ? { hour: 0, minute, meridiem: 'am', exact: true } : null;
    return { hour, minute, meridiem, exact: false };
  }
  if (hour > 23) return null;
  const exact = hour === 0 || hour > 12 || (hourRaw.length === 2 && hourRaw.startsWith('0'));
  return { hour, minute, meridiem: null, exact };
}

function hasWrittenMinutesOrMeridiem(t: ClockTime, minuteRaw: string | undefined): boolean {
  return t.exact || t.meridiem !== null || minuteRaw !== undefined;
}

/** Wall-clock hour and minute of a written time, with the convention for hours without am/pm. */
export function resolveClock(t: ClockTime, period: DayPeriod | null = null): HourMinute {
  if (t.exact) return { hour: t.hour, minute: t.minute };
  if (t.meridiem) return { hour: (t.hour % 12) + (t.meridiem === 'pm' ? 12 : 0), minute: t.minute };
  if (period === 'night') {
    // "tonight at 9" is 21:00; "tonight at 12" and "at 1" are the small hours.
    if (t.hour === 12) return { hour: 0, minute: t.minute };
    return { hour: t.hour <= 4 ? t.hour : t.hour + 12, minute: t.minute };
  }
  if (period === 'afternoon' || period === 'evening') {
    return { hour: t.hour < 12 ? t.hour + 12 : 12, minute: t.minute };
  }
  if (period === 'morning') return { hour: t.hour % 12, minute: t.minute };
  // 1–6 mean pm, 7–11 mean am, 12 means noon.
  if (t.hour >= 1 && t.hour <= 6) return { hour: t.hour + 12, minute: t.minute };
  return { hour: t.hour, minute: t.minute };
}

/**
 * Both ends of a written range, in minutes after midnight of the start day (the end may exceed a
 * day): a bare start takes the end's am/pm when that keeps it before the end; a bare end is the
 * first matching time after the start.
 */
export function resolveRange(start: ClockTime, end: ClockTime, period: DayPeriod | null): [number, number] {
  let s: number;
  if (!start.exact && !start.meridiem && !period && (end.meridiem || end.exact)) {
    const e = toMinutes(resolveClock(end, null));
    const am = (start.hour % 12) * 60 + start.minute;
    const pm = am + 12 * 60;
    s = pm < e ? pm : am < e ? am : toMinutes(resolveClock(start, null));
  } else {
    s = toMinutes(resolveClock(start, period));
  }
  let e: number;
  if (end.exact || end.meridiem) {
    e = toMinutes(resolveClock(end, null));
  } else {
    const am = (end.hour % 12) * 60 + end.minute;
    e = am > s ? am : am + 720 > s ? am + 720 : am + 1440;
  }
  while (e <= s) e += 1440;
  return [s, e];
}

export function toMinutes(t: HourMinute): number {
  return t.hour * 60 + t.minute;
}

function wordHour(raw: string): number {
  return /^\d/.test(raw) ? Number(raw) : countValue(raw);
}

// ── The scanner ────────────────────────────────────────────────────────────────────────────────

/** Finds and consumes temporal phrases in `text`, resolving them on `clock`. */
export function scanTemporal(text: MaskedText, clock: Clock, options: ScanOptions = {}): TemporalFacts {
  const facts: TemporalFacts = {
    days: [],
    span: null,
    spanFromNow: false,
    startTime: null,
    endTime: null,
    period: null,
    relative: null,
    minutes: null,
    lengthDays: null,
    allDay: false,
    anchor: null,
  };
  const addDay = (
    date: LocalDate | null,
    m: RegExpExecArray,
    prefix: string | undefined,
    weekday?: number,
  ) => {
    if (!date) return false;
    facts.days.push({
      date,
      start: m.index,
      end: m.index + m[0].length,
      prefix: (prefix ?? '').trim(),
      weekday,
    });
    return true;
  };
  const scan: Scan = { text, clock, facts, options, addDay };

  // The order matters: each reader masks what it takes, so later readers see only the rest.
  readRelative(scan);
  readLengths(scan);
  readRelativeDays(scan);
  readWeekWeekdays(scan);
  readMonthFirstDates(scan);
  readDayFirstDates(scan);
  readNumericDates(scan);
  readOrdinalDays(scan);
  readWeekdays(scan);
  readSpans(scan);
  if (facts.days.length === 0 && !facts.span) chronoFallback(text, clock, facts);
  mergeDayRanges(text, facts);
  readTimeRange(scan);
  readSingleTime(scan);
  readPeriod(scan);
  readBareLength(scan);

  facts.days.sort((a, b) => a.start - b.start);
  const anchorDay = facts.days.find((d) => /^(?:starting|beginning|from|as)/.test(d.prefix));
  if (anchorDay) facts.anchor ??= anchorDay.date;
  return facts;
}

/** What every reader works on: the request (masked as phrases are taken), the clock, the facts so far. */
interface Scan {
  readonly text: MaskedText;
  readonly clock: Clock;
  readonly facts: TemporalFacts;
  readonly options: ScanOptions;
  /** Records a named day (false, taking nothing, when the date does not exist). */
  readonly addDay: (
    date: LocalDate | null,
    m: RegExpExecArray,
    prefix: string | undefined,
    weekday?: number,
  ) => boolean;
}

/** "all day", "for 90 minutes", "for 3 days". */
function readLengths({ text, facts }: Scan): void {
  text.scan(ALL_DAY, () => (facts.allDay = true));
  text.scan(DURATION_FOR, (m) => takeLength(m[1], facts));
}

/** Days relative to today: "today", "tonight", "tomorrow", "the day after tomorrow". */
function readRelativeDays({ text, clock, facts, addDay }: Scan): void {
  text.scan(RELATIVE_DAY, (m) => {
    const word = m[2];
    if (word === 'tonight' || word === 'tonite') facts.period ??= 'night';
    const offset = word.startsWith('day')
      ? 2
      : word === 'yesterday'
        ? -1
        : /^to(?:day|night|nite)$/.test(word)
          ? 0
          : 1;
    return addDay(addDays(clock.today, offset), m, m[1]);
  });
}

/** "next week Friday", "this week on Monday". */
function readWeekWeekdays({ text, clock, addDay }: Scan): void {
  text.scan(WEEK_WEEKDAY, (m) => {
    const wd = weekdayNumber(m[3]);
    return addDay(m[2] === 'next' ? clock.weekdayNextWeek(wd) : clock.weekdayThisWeek(wd), m, m[1], wd);
  });
}

/** "March 12", "June 15-17", "July 4, 2027". */
function readMonthFirstDates({ text, clock, facts, addDay }: Scan): void {
  text.scan(MONTH_FIRST, (m) => {
    const month = monthNumber(m[2]);
    const day = Number(m[3]);
    const from = m[4] ? makeDate(Number(m[4]), month, day) : clock.nextMonthDay(month, day);
    if (!from) return false;
    if (m[5]) {
      const last = makeDate(from.year, month, Number(m[5]));
      if (!last || compareDates(last, from) < 0) return false;
      facts.span ??= { from, to: addDays(last, 1) };
      return true;
    }
    return addDay(from, m, m[1]);
  });
}

/** "12 March", "15-17 June", "4th of July 2027". */
function readDayFirstDates({ text, clock, facts, addDay }: Scan): void {
  text.scan(DAY_FIRST, (m) => {
    const month = monthNumber(m[4]);
    const day = Number(m[3]);
    if (m[2]) {
      const first = m[5]
        ? makeDate(Number(m[5]), month, Number(m[2]))
        : clock.nextMonthDay(month, Number(m[2]));
      const last = first && makeDate(first.year, month, day);
      if (!first || !last || compareDates(last, first) < 0) return false;
      facts.span ??= { from: first, to: addDays(last, 1) };
      return true;
    }
    return addDay(m[5] ? makeDate(Number(m[5]), month, day) : clock.nextMonthDay(month, day), m, m[1]);
  });
}

/** "2026-03-12", "3/12", "12/3/2026". */
function readNumericDates({ text, clock, addDay }: Scan): void {
  text.scan(ISO_DATE, (m) => addDay(makeDate(Number(m[2]), Number(m[3]), Number(m[4])), m, m[1]));
  text.scan(SLASH_DATE, (m) => addDay(slashDate(m, clock), m, m[1]));
}

/** "the 14th", "on the 1st of next month". */
function readOrdinalDays({ text, clock, addDay }: Scan): void {
  text.scan(ORDINAL_DAY, (m) => {
    const rest = text.view.slice(m.index + m[0].length);
    if (!m[1] && !m[2] && !m[3] && !m[5]) return false;
    if (!m[5] && NOT_A_DAY_AFTER_ORDINAL.test(rest)) return false;
    const day = Number(m[4]);
    let date: LocalDate | null;
    if (m[5] === 'next' || m[5] === 'this') {
      const base = m[5] === 'next' ? clock.month(1).from : clock.month(0).from;
      date = makeDate(base.year, base.month, day);
    } else {
      date = clock.nextDayOfMonth(day);
    }
    return addDay(date, m, m[1]);
  });
}

/** "Friday", "next Friday", "this Friday", "fri at 3". */
function readWeekdays({ text, clock, addDay }: Scan): void {
  text.scan(WEEKDAY_NAME, (m) => {
    const word = m[3].replace('.', '');
    if (!FULL_WEEKDAY.test(word) && !m[1] && !m[2] && !m[4]) {
      // An abbreviation ("fri") counts only before a time or with a preposition.
      const after = text.view.slice(m.index + m[0].length);
      if (!/^\s*(?:at\s+|@\s*)?\d/.test(after) && !/^\s*(?:morning|afternoon|evening|night)/.test(after))
        return false;
    }
    const wd = weekdayNumber(word);
    let date: LocalDate;
    if (m[4] === 'next' || m[2] === 'next') date = clock.weekdayNextWeek(wd);
    else if (m[4] === 'this') date = clock.weekdayThisWeek(wd);
    else if (m[2] === 'this') date = clock.weekdayFromToday(wd);
    else date = clock.weekdayAfterToday(wd);
    return addDay(date, m, m[1], wd);
  });
}

/** "the rest of the week", "next week", "this weekend", "in March". */
function readSpans({ text, clock, facts }: Scan): void {
  text.scan(REST_OF, (m) => {
    if (facts.span) return true;
    const unit = m[1];
    if (unit === 'week') facts.span = { from: clock.today, to: clock.week(0).to };
    else if (unit === 'month') facts.span = { from: clock.today, to: clock.month(0).to };
    else facts.span = clock.day(clock.today);
    facts.spanFromNow = true;
    return true;
  });
  text.scan(NAMED_SPAN, (m) => {
    const qualifier = (m[2] ?? 'the').replace(/\s+/g, ' ');
    const unit = m[3];
    const ahead = qualifier === 'next' || qualifier === 'following' ? 1 : 0;
    let span: DaySpan;
    if (unit.startsWith('week after')) span = clock.week(2);
    else if (unit === 'week')
      span = clock.week(ahead || (qualifier === 'coming' || qualifier === 'upcoming' ? 1 : 0));
    else if (unit === 'weekend') span = clock.weekend(ahead);
    else span = clock.month(ahead || (qualifier === 'coming' || qualifier === 'upcoming' ? 1 : 0));
    facts.span ??= span;
    if (m[1] && /^(?:starting|beginning|from|as)/.test(m[1])) facts.anchor ??= span.from;
    return true;
  });
  text.scan(WEEKEND_BARE, () => {
    facts.span ??= clock.weekend(0);
    return true;
  });
  text.scan(MONTH_SPAN, (m) => {
    facts.span ??= clock.namedMonth(monthNumber(m[1]), m[2] ? Number(m[2]) : undefined);
    return true;
  });
}

/** "from 8pm to 1am", "between 2 and 4", "10:30-11:15". */
function readTimeRange({ text, facts }: Scan): void {
  text.scan(TIME_RANGE, (m) => {
    if (facts.startTime) return false;
    const prefix = m[1];
    const joiner = m[6];
    if (joiner === 'and' && prefix !== 'between') return false;
    const start = clockTime(m[2], m[3], m[4], m[5]);
    const end = clockTime(m[7], m[8], m[9], m[10]);
    if (!start || !end) return false;
    const strong =
      !!prefix ||
      hasWrittenMinutesOrMeridiem(start, m[3]) ||
      hasWrittenMinutesOrMeridiem(end, m[8]) ||
      !!m[5] ||
      !!m[10];
    // "12-1", "9 to 5": bare hours make a range only when both are clock hours.
    if (!strong && (start.hour > 12 || end.hour > 12 || start.hour === 0 || end.hour === 0)) return false;
    if (NOT_TIME_UNIT_AFTER.test(text.view.slice(m.index + m[0].length))) return false;
    facts.startTime = start;
    facts.endTime = end;
    return true;
  });
}

/** "at 3", "9:15am", "noon", "half past 4", "until 5", "9ish". */
function readSingleTime({ text, facts, options }: Scan): void {
  text.scan(TIME_SINGLE, (m) => {
    const prefix = (m[1] ?? '').trim();
    let t: ClockTime | null = null;
    if (m[2] !== undefined) t = clockTime(m[2], m[3], m[4]);
    else if (m[5] !== undefined) t = clockTime(m[5], m[6], undefined);
    else if (m[7] !== undefined)
      t = clockTime(undefined, undefined, undefined, m[7].startsWith('lunch') ? 'noon' : m[7]);
    else if (m[8] !== undefined) t = clockTime(String(wordHour(m[8])), undefined, undefined);
    else if (m[9] !== undefined) {
      const hour = wordHour(m[11]);
      const minute = m[9] === 'half' ? 30 : 15;
      const before = m[10] === 'to' || m[10] === 'before';
      const h = before ? (hour + 11) % 12 || 12 : hour;
      t = clockTime(String(h), String(before ? 60 - minute : minute).padStart(2, '0'), undefined);
    } else if (m[12] !== undefined) {
      const allowed =
        /(?:^|\s)(?:at|@|around|about|approximately|from|until|till|til|by|starting|beginning)$/.test(prefix);
      if (!allowed && !options.bareHours) return false;
      if (NOT_TIME_UNIT_AFTER.test(text.view.slice(m.index + m[0].length))) return false;
      const word = /^\d/.test(m[12]) ? m[12] : String(countValue(m[12]));
      if (word !== m[12] && !allowed) return false;
      t = clockTime(word, m[13], undefined);
    } else if (m[14] !== undefined) {
      t = clockTime(m[14], m[15], undefined); // "9ish"
    }
    if (!t) return false;
    const endRole = /(?:^|\s)(?:until|till|til|to|ending|ends?)(?:\s+at)?$/.test(prefix);
    if (endRole && facts.startTime && !facts.endTime) facts.endTime = t;
    else if (!facts.startTime) facts.startTime = t;
    else if (!facts.endTime && /(?:^|\s)to$/.test(prefix)) facts.endTime = t;
    else return false;
    return true;
  });
}

/** "tonight", "Friday morning", "this afternoon". */
function readPeriod({ text, clock, facts, options }: Scan): void {
  text.scan(PERIOD, (m) => {
    const word = m[2] === 'tonite' ? 'tonight' : m[2];
    // A bare "night"/"morning" counts next to a day ("Friday night") or with "in the", "this", "at".
    const qualified =
      m[0] !== m[2] ||
      word === 'tonight' ||
      /\uE000\s*$/.test(text.view.slice(0, m.index)) ||
      (options.barePeriods && !facts.period);
    if (!qualified) return false;
    if (word === 'tonight') {
      if (!facts.days.some((d) => compareDates(d.date, clock.today) === 0)) {
        facts.days.push({ date: clock.today, start: m.index, end: m.index + m[0].length, prefix: '' });
      }
      facts.period ??= 'night';
      return true;
    }
    if (m[1] === 'this' && facts.days.length === 0) {
      facts.days.push({ date: clock.today, start: m.index, end: m.index + m[0].length, prefix: '' });
    }
    facts.period ??= word as DayPeriod;
    return true;
  });
}

/** Remaining lengths: "a 30 minute call", "2-hour workshop". */
function readBareLength({ text, facts }: Scan): void {
  text.scan(DURATION_BARE, (m) => {
    const after = text.view.slice(m.index + m[0].length);
    if (/^\s*(?:before|after|earlier|later|ago|early|late)(?![a-z])/.test(after)) return false;
    return takeLength(m[1], facts);
  });
}

function takeLength(phrase: string, facts: TemporalFacts): boolean {
  const length = parseLength(phrase);
  if (!length) return false;
  if (length.minutes !== undefined) {
    if (facts.minutes !== null) return false;
    facts.minutes = length.minutes;
  } else {
    if (facts.lengthDays !== null) return false;
    facts.lengthDays = length.days;
  }
  return true;
}

/** "in 45 minutes", "2 hours from now", "3 days later": an instant or a day relative to now. */
function readRelative({ text, clock, facts, addDay }: Scan): void {
  const apply = (m: RegExpExecArray, phrase: string, base: string | undefined): boolean => {
    const length = parseLength(phrase);
    if (!length) return false;
    if (length.days !== undefined) {
      const from = base === 'tomorrow' ? clock.tomorrow : clock.today;
      return addDay(addDays(from, length.days), m, undefined);
    }
    if (facts.relative) return false;
    facts.relative = clock.now + length.minutes * 60_000;
    return true;
  };
  text.scan(RELATIVE_IN, (m) => apply(m, m[1], undefined));
  text.scan(RELATIVE_FROM, (m) => apply(m, m[1], m[2]));
}

function slashDate(m: RegExpExecArray, clock: Clock): LocalDate | null {
  // chrono reads 3/12 as March 12 (en) or 3 December (en.GB); pick by the zone's region.
  const parser = clock.zone.startsWith('America/') ? chrono.en.casual : chrono.en.GB;
  const raw = `${m[2]}/${m[3]}${m[4] ? `/${m[4]}` : ''}`;
  const result = parser.parse(raw, { instant: new Date(clock.now), timezone: clock.nowOffset })[0];
  if (!result || result.text !== raw) return null;
  const month = result.start.get('month');
  const day = result.start.get('day');
  if (!month || !day) return null;
  if (result.start.isCertain('year'))
    return makeDate(result.start.get('year') ?? clock.today.year, month, day);
  return clock.nextMonthDay(month, day);
}

/** Dates written in ways the rules above do not know, found by chrono in what is left. */
function chronoFallback(text: MaskedText, clock: Clock, facts: TemporalFacts): void {
  const view = text.view;
  if (view.length > 300 || !/\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/.test(view)) return;
  const results = chrono.en.casual.parse(view.split(MASK).join(' '), {
    instant: new Date(clock.now),
    timezone: clock.nowOffset,
  });
  for (const r of results) {
    if (!r.start.isCertain('day') || !r.start.isCertain('month')) continue;
    const slice = view.slice(r.index, r.index + r.text.length);
    if (slice.includes(MASK)) continue;
    const month = r.start.get('month') ?? 0;
    const day = r.start.get('day') ?? 0;
    const date = r.start.isCertain('year')
      ? makeDate(r.start.get('year') ?? clock.today.year, month, day)
      : clock.nextMonthDay(month, day);
    if (!date) continue;
    facts.days.push({ date, start: r.index, end: r.index + r.text.length, prefix: '' });
    text.mask(r.index, r.index + r.text.length);
  }
}

/** "from June 15 to June 17", "between Monday and Wednesday": two days joined into one span. */
function mergeDayRanges(text: MaskedText, facts: TemporalFacts): void {
  const days = [...facts.days].sort((a, b) => a.start - b.start);
  for (let i = 0; i + 1 < days.length; i++) {
    const a = days[i];
    const b = days[i + 1];
    const gap = text.original.slice(a.end, b.start).toLowerCase();
    if (!RANGE_GAP.test(gap)) continue;
    if (/\band\b/.test(gap) && a.prefix !== 'between') continue;
    let last = b.date;
    // "from Friday to Monday": the end is the first such weekday on or after the start.
    if (b.weekday && compareDates(last, a.date) < 0) {
      while (compareDates(last, a.date) < 0) last = addDays(last, 7);
    }
    if (compareDates(last, a.date) < 0) last = { ...last, year: last.year + 1 };
    facts.span ??= { from: a.date, to: addDays(last, 1) };
    text.mask(a.start, b.end);
    facts.days.splice(facts.days.indexOf(a), 1);
    facts.days.splice(facts.days.indexOf(b), 1);
    return;
  }
}

/** True when the facts name any day, span, time or relative instant. */
export function hasWhen(facts: TemporalFacts): boolean {
  return (
    facts.days.length > 0 ||
    facts.span !== null ||
    facts.startTime !== null ||
    facts.period !== null ||
    facts.relative !== null
  );
}
