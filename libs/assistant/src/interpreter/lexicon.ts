/**
 * Words the interpreter recognises (weekdays, months, numbers, ordinals) as regex sources and the
 * functions that turn matched words into numbers. Sources are meant to be embedded in larger
 * patterns that run on lower-cased text.
 */

/** Full weekday names, then abbreviations; a trailing `s` (plural) is left to the caller. */
export const WEEKDAY_FULL = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
export const WEEKDAY_ABBR = '(?:mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)';
/** Any weekday word, full or abbreviated (abbreviations may carry a dot). */
export const WEEKDAY = `(?:${WEEKDAY_FULL}|${WEEKDAY_ABBR}\\.?)(?![a-z])`;
/** A weekday word that may be plural ("mondays"). */
export const WEEKDAY_PLURAL_OK = `(?:${WEEKDAY_FULL}s?|${WEEKDAY_ABBR}\\.?)(?![a-z])`;
/** Plural weekday words only ("mondays"). */
export const WEEKDAY_PLURAL = `(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)(?![a-z])`;

/** RFC 5545 weekday codes, index 1 = Monday … 7 = Sunday (ISO numbering). */
export const WEEKDAY_CODES = ['', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

const WEEKDAY_BY_PREFIX: Readonly<Record<string, number>> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
};

/** ISO weekday number (1 = Monday) of a weekday word such as "Thursdays" or "thu."; 0 if none. */
export function weekdayNumber(word: string): number {
  return (
    WEEKDAY_BY_PREFIX[
      word
        .toLowerCase()
        .replace(/[^a-z]/g, '')
        .slice(0, 3)
    ] ?? 0
  );
}

/** All weekday numbers named in a piece of text, in order, without repeats. */
export function weekdaysIn(text: string): number[] {
  const found: number[] = [];
  for (const m of text.matchAll(WEEKDAY_WORD_G)) {
    const n = weekdayNumber(m[0]);
    if (n && !found.includes(n)) found.push(n);
  }
  return found;
}
const WEEKDAY_WORD_G = new RegExp(`\\b${WEEKDAY_PLURAL_OK}`, 'g');

/** Month names and abbreviations (not followed by another letter). */
export const MONTH = `(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\\.?(?![a-z])`;
/** Full month names only (safe on their own, e.g. "in March"). */
export const MONTH_FULL =
  '(?:january|february|march|april|may|june|july|august|september|october|november|december)(?![a-z])';

const MONTH_BY_PREFIX: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

/** Month number (1 = January) of a month word; 0 if none. */
export function monthNumber(word: string): number {
  return (
    MONTH_BY_PREFIX[
      word
        .toLowerCase()
        .replace(/[^a-z]/g, '')
        .slice(0, 3)
    ] ?? 0
  );
}

const UNITS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  ninety: 90,
};

/** Number words ("three", "forty-five", "twenty five"). */
export const NUMBER_WORD =
  '(?:(?:twenty|thirty|forty|fifty)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|sixty|ninety)(?![a-z])';

/** A count: digits (possibly decimal), a number word, "a"/"an", "a couple (of)", "a few". */
export const COUNT = `(?:\\d+(?:\\.\\d+)?|${NUMBER_WORD}|a\\s+couple(?:\\s+of)?|couple\\s+of|a\\s+few|an?(?![a-z]))`;

/** The value of a count matched by {@link COUNT}; NaN when it is not one. */
export function countValue(raw: string): number {
  const word = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (/^\d+(?:\.\d+)?$/.test(word)) return Number(word);
  if (word === 'a' || word === 'an') return 1;
  if (word.includes('couple')) return 2;
  if (word.includes('few')) return 3;
  let total = 0;
  for (const part of word.split(/[- ]/)) {
    const v = UNITS[part];
    if (v === undefined) return NaN;
    total += v;
  }
  return total;
}

/** Ordinals used in "the first Monday of every month"; -1 = last. */
export const ORDINAL_WORD = '(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)(?![a-z])';

export function ordinalValue(word: string): number {
  const w = word.toLowerCase();
  if (w === 'last') return -1;
  const digits = /^\d/.test(w) ? Number(w[0]) : 0;
  if (digits) return digits;
  return { first: 1, second: 2, third: 3, fourth: 4, fifth: 5 }[w] ?? 0;
}
