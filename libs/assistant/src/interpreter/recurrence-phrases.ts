import { addDays, compareDates, daysInMonth, LocalDate, weekdayOf } from '@app/calendar';
import { Clock, HourMinute, Instant } from './clock';
import {
  countValue,
  MONTH,
  NUMBER_WORD,
  ORDINAL_WORD,
  ordinalValue,
  WEEKDAY,
  WEEKDAY_CODES,
  WEEKDAY_PLURAL,
  WEEKDAY_PLURAL_OK,
  weekdayNumber,
  weekdaysIn,
} from './lexicon';
import { MaskedText } from './masked-text';
import { DayPeriod } from './time-phrases';

/**
 * Recurrence phrases ("every weekday", "on Thursdays", "daily", "the first Monday of every month",
 * "every other week") → an RRULE, and the first occurrence of a rule at or after now.
 */

export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export interface Recurrence {
  freq: Frequency;
  interval: number;
  /** ISO weekdays (1 = Monday). */
  byDay: number[];
  /** With MONTHLY: the nth weekday of the month (-1 = last), applied to every day in byDay. */
  nth: number | null;
  byMonthDay: number | null;
  /** A part of the day the phrase implies ("every morning"). */
  period: DayPeriod | null;
}

const LIST_SEP = '\\s*(?:,|\\/|&|\\+|\\band\\b|\\bor\\b)\\s*(?:and\\s+)?';
const WEEKDAY_LIST = `${WEEKDAY_PLURAL_OK}(?:${LIST_SEP}${WEEKDAY_PLURAL_OK})*`;
const INTERVAL_WORD = `(?:other|second|alternate|\\d+|${NUMBER_WORD})`;

const NTH_WEEKDAY_OF_MONTH = new RegExp(
  `\\b(?:on\\s+)?(?:the\\s+|every\\s+|each\\s+)?(${ORDINAL_WORD})\\s+(${WEEKDAY})s?\\s+(?:of\\s+|in\\s+)?(?:every|each|the|a)\\s+month(?![a-z])`,
  'g',
);
const MONTH_ON_NTH_WEEKDAY = new RegExp(
  `\\b(?:(?:every|each)\\s+month|monthly)\\s+on\\s+the\\s+(${ORDINAL_WORD})\\s+(${WEEKDAY})(?![a-z])`,
  'g',
);
const NTH_DAY_OF_MONTH = new RegExp(
  `\\b(?:on\\s+)?(?:the\\s+|every\\s+)(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:day\\s+)?of\\s+(?:every|each|the)\\s+month(?![a-z])`,
  'g',
);
const MONTH_ON_NTH_DAY = new RegExp(
  `\\b(?:(?:every|each)\\s+month|monthly)\\s+on\\s+the\\s+(\\d{1,2})(?:st|nd|rd|th)?(?![a-z\\d])`,
  'g',
);
const EVERY_WEEKDAYS = new RegExp(
  `\\b(?:every|each)\\s+(${INTERVAL_WORD}\\s+)?(?:single\\s+)?(${WEEKDAY_LIST})`,
  'g',
);
const WORKDAYS = new RegExp(
  `\\b(?:(?:every|each)\\s+(?:single\\s+)?(?:week\\s*day|work\\s*day|business\\s+day)s?(?![a-z])|(?:on\\s+)?(?:weekdays|workdays|business\\s+days)(?![a-z])|(?:every|each)\\s+(?:day\\s+)?(?:from\\s+)?mon(?:day)?\\s*(?:-|to|through|thru)\\s*fri(?:day)?(?![a-z]))`,
  'g',
);
const WEEKENDS = /\b(?:(?:every|each)\s+weekend|(?:on\s+)?weekends)(?![a-z])/g;
const PLURAL_WEEKDAYS = new RegExp(
  `\\b(?:on\\s+)?(${WEEKDAY_PLURAL}(?:${LIST_SEP}${WEEKDAY_PLURAL_OK})*)`,
  'g',
);
const EVERY_N_UNITS = new RegExp(`\\bevery\\s+(${INTERVAL_WORD})\\s+(day|week|month|year)s?(?![a-z])`, 'g');
const DAILY =
  /\b(?:(?:every|each)\s+(?:single\s+)?(day|morning|afternoon|evening|night)|daily|everyday|nightly|once\s+a\s+day)(?![a-z])/g;
const WEEKLY = /\b(?:(?:every|each)\s+week|weekly|once\s+a\s+week)(?![a-z])/g;
const BIWEEKLY = /\b(?:bi-?weekly|fortnightly|every\s+fortnight)(?![a-z])/g;
const MONTHLY = /\b(?:(?:every|each)\s+month|monthly|once\s+a\s+month)(?![a-z])/g;
const YEARLY = /\b(?:(?:every|each)\s+year|yearly|annually|annual|once\s+a\s+year)(?![a-z])/g;
const EVERY_DATE = new RegExp(
  `\\b(?:every|each)\\s+(?=(?:${MONTH}\\s*\\d{1,2}|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}))`,
  'g',
);
const MONTHLY_NTH_WEEKDAY = new RegExp(
  `\\b(?:on\\s+)?the\\s+(${ORDINAL_WORD})\\s+(${WEEKDAY})(?![a-z])`,
  'g',
);
const MONTHLY_NTH_DAY = /\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)(?![a-z])/g;

function intervalOf(word: string | undefined): number {
  if (!word) return 1;
  const w = word.trim();
  if (w === 'other' || w === 'second' || w === 'alternate') return 2;
  const n = countValue(w);
  return Number.isFinite(n) && n >= 1 ? Math.round(n) : 1;
}

/** Finds and consumes recurrence phrases; null when the request does not recur. */
export function scanRecurrence(text: MaskedText): Recurrence | null {
  let rec: Recurrence | null = null;
  const set = (patch: Partial<Recurrence> & { freq: Frequency }): boolean => {
    if (!rec) rec = { interval: 1, byDay: [], nth: null, byMonthDay: null, period: null, ...patch };
    else {
      // A second phrase refines the first ("weekly on Fridays", "every other week on Monday").
      if (patch.byDay?.length) rec.byDay = [...new Set([...rec.byDay, ...patch.byDay])];
      if (patch.interval && patch.interval > 1) rec.interval = patch.interval;
      if (patch.nth != null) rec.nth = patch.nth;
      if (patch.byMonthDay != null) rec.byMonthDay = patch.byMonthDay;
      if (patch.period) rec.period = patch.period;
      if (rec.freq !== patch.freq && (patch.nth != null || patch.byMonthDay != null)) rec.freq = patch.freq;
      if (rec.freq === 'DAILY' && patch.freq === 'WEEKLY' && patch.byDay?.length) rec.freq = 'WEEKLY';
    }
    return true;
  };

  text.scan(NTH_WEEKDAY_OF_MONTH, (m) =>
    set({ freq: 'MONTHLY', nth: ordinalValue(m[1]), byDay: [weekdayNumber(m[2])] }),
  );
  text.scan(MONTH_ON_NTH_WEEKDAY, (m) =>
    set({ freq: 'MONTHLY', nth: ordinalValue(m[1]), byDay: [weekdayNumber(m[2])] }),
  );
  text.scan(NTH_DAY_OF_MONTH, (m) => validDay(m[1]) && set({ freq: 'MONTHLY', byMonthDay: Number(m[1]) }));
  text.scan(MONTH_ON_NTH_DAY, (m) => validDay(m[1]) && set({ freq: 'MONTHLY', byMonthDay: Number(m[1]) }));
  text.scan(WORKDAYS, () => set({ freq: 'WEEKLY', byDay: [1, 2, 3, 4, 5] }));
  text.scan(WEEKENDS, () => set({ freq: 'WEEKLY', byDay: [6, 7] }));
  text.scan(EVERY_WEEKDAYS, (m) =>
    set({ freq: 'WEEKLY', interval: intervalOf(m[1]), byDay: weekdaysIn(m[2]) }),
  );
  text.scan(PLURAL_WEEKDAYS, (m) => set({ freq: 'WEEKLY', byDay: weekdaysIn(m[1]) }));
  text.scan(EVERY_N_UNITS, (m) => set({ freq: freqOfUnit(m[2]), interval: intervalOf(m[1]) }));
  text.scan(DAILY, (m) =>
    set({
      freq: 'DAILY',
      period: m[1] && m[1] !== 'day' ? (m[1] as DayPeriod) : m[0] === 'nightly' ? 'night' : null,
    }),
  );
  text.scan(BIWEEKLY, () => set({ freq: 'WEEKLY', interval: 2 }));
  text.scan(WEEKLY, () => set({ freq: 'WEEKLY' }));
  text.scan(MONTHLY, () => set({ freq: 'MONTHLY' }));
  text.scan(YEARLY, () => set({ freq: 'YEARLY' }));
  text.scan(EVERY_DATE, () => set({ freq: 'YEARLY' }));

  const found = rec as Recurrence | null;
  if (found?.freq === 'MONTHLY' && found.nth === null && found.byMonthDay === null) {
    text.scan(MONTHLY_NTH_WEEKDAY, (m) => {
      found.nth = ordinalValue(m[1]);
      found.byDay = [weekdayNumber(m[2])];
      return true;
    });
    if (found.nth === null) {
      text.scan(MONTHLY_NTH_DAY, (m) => {
        if (!validDay(m[1]) || found.byMonthDay !== null) return false;
        found.byMonthDay = Number(m[1]);
        return true;
      });
    }
  }
  return found;
}

function validDay(raw: string): boolean {
  const n = Number(raw);
  return n >= 1 && n <= 31;
}

function freqOfUnit(unit: string): Frequency {
  return unit === 'day' ? 'DAILY' : unit === 'week' ? 'WEEKLY' : unit === 'month' ? 'MONTHLY' : 'YEARLY';
}

/** The RRULE value (no DTSTART) of a recurrence. */
export function toRRule(rec: Recurrence): string {
  const parts = [`FREQ=${rec.freq}`];
  if (rec.interval > 1) parts.push(`INTERVAL=${rec.interval}`);
  if (rec.byDay.length) {
    const days = [...rec.byDay].sort((a, b) => a - b);
    const prefix = rec.freq === 'MONTHLY' && rec.nth !== null ? String(rec.nth) : '';
    parts.push(`BYDAY=${days.map((d) => prefix + WEEKDAY_CODES[d]).join(',')}`);
  }
  if (rec.byMonthDay !== null) parts.push(`BYMONTHDAY=${rec.byMonthDay}`);
  return parts.join(';');
}

/** Whether a day can hold an occurrence of the rule (the interval is counted from the first one). */
function occursOn(rec: Recurrence, d: LocalDate, first: LocalDate | null): boolean {
  if (first && rec.freq === 'YEARLY') return d.month === first.month && d.day === first.day;
  const wd = weekdayOf(d);
  switch (rec.freq) {
    case 'DAILY':
      return true;
    case 'WEEKLY':
      return rec.byDay.length === 0 || rec.byDay.includes(wd);
    case 'MONTHLY':
      if (rec.byMonthDay !== null) return d.day === rec.byMonthDay;
      if (rec.nth !== null && rec.byDay.length) {
        if (!rec.byDay.includes(wd)) return false;
        if (rec.nth > 0) return Math.ceil(d.day / 7) === rec.nth;
        return (
          d.day + 7 * -rec.nth > daysInMonth(d.year, d.month) &&
          d.day + 7 * (-rec.nth - 1) <= daysInMonth(d.year, d.month)
        );
      }
      return rec.byDay.length === 0 || rec.byDay.includes(wd);
    case 'YEARLY':
      return true;
  }
}

/**
 * The first occurrence at or after now (and on or after `from`, when the request names a first
 * day): at `time` on each matching day, or the matching day itself for an all-day series.
 */
export function firstOccurrence(
  rec: Recurrence,
  clock: Clock,
  time: HourMinute | null,
  from: LocalDate | null,
): { start: Instant; day: LocalDate } | null {
  const base = from && compareDates(from, clock.today) > 0 ? from : clock.today;
  const anchorForYearly = rec.freq === 'YEARLY' ? from : null;
  for (let i = 0; i < 800; i++) {
    const d = addDays(base, i);
    if (!occursOn(rec, d, anchorForYearly)) continue;
    const start = time ? clock.at(d, time) : clock.midnight(d);
    if (start >= clock.now) return { start, day: d };
  }
  return null;
}
