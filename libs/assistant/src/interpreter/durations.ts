import { COUNT, countValue, NUMBER_WORD } from './lexicon';

/**
 * Lengths of time: "90 minutes", "2 hours", "an hour and a half", "1h30", "half an hour",
 * "a 30-minute", "3 days". Used for event durations, relative times ("in 45 minutes") and free-slot
 * lengths.
 */

const HOURS = '(?:hours?|hrs?|h)';
const MINUTES = '(?:minutes?|mins?|m)';
const DAYS = '(?:days?|weeks?|wks?)';

/** A length of time (regex source, no capture groups). */
export const DURATION =
  `(?:half\\s+(?:an?\\s+)?hour|half[- ]hour|` +
  `${COUNT}\\s*-?\\s*(?:and\\s+a\\s+half\\s+)?${HOURS}(?![a-z])` +
  `(?:\\s*,?\\s*(?:and\\s+)?(?:a\\s+half(?![a-z])|(?:\\d{1,2}|${NUMBER_WORD})\\s*-?\\s*${MINUTES}(?![a-z])|\\d{2}(?![\\d:])))?|` +
  `${COUNT}\\s*-?\\s*${MINUTES}(?![a-z])|` +
  `${COUNT}\\s*-?\\s*${DAYS}(?![a-z]))`;

/** A parsed length: minutes, or whole days for day and week units. */
export type Length =
  | { readonly minutes: number; readonly days?: undefined }
  | { readonly days: number; readonly minutes?: undefined };

const HEAD = new RegExp(`^(${COUNT})\\s*-?\\s*(and\\s+a\\s+half\\s+)?(${HOURS}|${MINUTES}|${DAYS})(?![a-z])`);
const TAIL_MINUTES = new RegExp(
  `^\\s*,?\\s*(?:and\\s+)?(\\d{1,2}|${NUMBER_WORD})\\s*-?\\s*${MINUTES}(?![a-z])`,
);
const TAIL_HALF = /^\s*(?:and\s+)?a\s+half(?![a-z])/;
const TAIL_DIGITS = /^(\d{2})(?![\d:])/;

/** The length a phrase matched by {@link DURATION} stands for; null if it is not one. */
export function parseLength(phrase: string): Length | null {
  const text = phrase.trim().toLowerCase();
  if (/^half[\s-]+(?:an?\s+)?hour$/.test(text)) return { minutes: 30 };
  const head = HEAD.exec(text);
  if (!head) return null;
  const count = countValue(head[1]) + (head[2] ? 0.5 : 0);
  if (!Number.isFinite(count) || count <= 0) return null;
  const unit = head[3];
  if (/^(?:days?|weeks?|wks?)$/.test(unit)) {
    const days = Math.round(count * (unit.startsWith('w') ? 7 : 1));
    return days > 0 ? { days } : null;
  }
  const perUnit = /^h/.test(unit) ? 60 : 1;
  let minutes = count * perUnit;
  const rest = text.slice(head[0].length);
  if (perUnit === 60) {
    const tailMinutes = TAIL_MINUTES.exec(rest);
    const tailDigits = TAIL_DIGITS.exec(rest);
    if (TAIL_HALF.test(rest)) minutes += 30;
    else if (tailMinutes) minutes += countValue(tailMinutes[1]);
    else if (tailDigits) minutes += Number(tailDigits[1]);
  }
  minutes = Math.round(minutes);
  return minutes > 0 ? { minutes } : null;
}

/** Minutes of a duration phrase; null when it is not a length in minutes or hours. */
export function parseMinutes(phrase: string): number | null {
  const length = parseLength(phrase);
  return length && length.minutes !== undefined ? length.minutes : null;
}

/** A shift as an ISO-8601 duration: "PT30M", "-PT1H", "P7D". */
export function formatShift(days: number, minutes: number): string {
  const total = Math.abs(days) + Math.abs(minutes);
  if (total === 0) return 'PT0M';
  const sign = days < 0 || minutes < 0 ? '-' : '';
  let out = `${sign}P`;
  if (days) out += `${Math.abs(days)}D`;
  if (minutes) {
    const h = Math.floor(Math.abs(minutes) / 60);
    const mm = Math.abs(minutes) % 60;
    out += `T${h ? `${h}H` : ''}${mm ? `${mm}M` : ''}`;
  }
  return out;
}
