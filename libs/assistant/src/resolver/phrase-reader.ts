import { formatDate } from '@app/calendar';
import { Clock, HourMinute } from '../interpreter/clock';
import { foldPunctuation, MaskedText } from '../interpreter/masked-text';
import { scanRecurrence, toRRule } from '../interpreter/recurrence-phrases';
import { PERIOD_START, resolveClock, resolveRange, scanTemporal } from '../interpreter/time-phrases';

/**
 * The one bridge from the resolver to the offline interpreter's phrase rules: reads a time phrase
 * with the interpreter's scanners (so both follow the same conventions of docs/assistant-contract.md) and returns
 * plain values — local dates as `YYYY-MM-DD`, wall-clock times, an RRULE — that the resolver turns
 * into instants with libs/calendar's zone helpers. Nothing else in this folder imports the
 * interpreter's internals.
 */

export interface WallTime {
  readonly hour: number;
  readonly minute: number;
}

export interface PhraseReading {
  /** Today in the zone, `YYYY-MM-DD`. */
  readonly today: string;
  /** Single days named, in the order of the text. */
  readonly days: string[];
  /** A multi-day span ("next week", "from June 15 to June 17"), `to` exclusive. */
  readonly span: { from: string; to: string } | null;
  /** The span starts now ("the rest of the week"), not at midnight. */
  readonly spanFromNow: boolean;
  /** Start time of day with the conventions applied ("at 3" → 15:00, "morning" → 09:00). */
  readonly time: WallTime | null;
  /** The other reading of an hour written without am/pm or a part of the day ("at 3" → 03:00). */
  readonly alternativeTime: WallTime | null;
  /** Minutes from the start to a written end ("from 8pm to 1am" → 300). */
  readonly rangeMinutes: number | null;
  /** A written length in minutes ("for 90 minutes"). */
  readonly minutes: number | null;
  /** A written length in days ("for 3 days"). */
  readonly lengthDays: number | null;
  /** An instant relative to now ("in 45 minutes"), epoch milliseconds. */
  readonly relative: number | null;
  /** "all day". */
  readonly allDay: boolean;
  /** RRULE value of a recurrence phrase ("every weekday" → FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR). */
  readonly recurrence: string | null;
  /** The first day of a recurrence ("starting June 1"), `YYYY-MM-DD`. */
  readonly anchor: string | null;
  /** Words no rule used, trimmed ("" when the whole phrase was understood). */
  readonly rest: string;
}

const ISO_LOCAL = /\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?![\d:])/g;

const wall = (t: HourMinute): WallTime => ({ hour: t.hour, minute: t.minute });

/** Reads a phrase at `nowIso` in `zone`; null when the zone or the instant is invalid. */
export function readPhrase(phrase: string, nowIso: string, zone: string): PhraseReading | null {
  const clock = Clock.create(nowIso, zone);
  if (!clock) return null;
  // Local ISO date-times ("2026-03-12T10:30", as a model may write them) read as "date at time".
  const text = new MaskedText(foldPunctuation(phrase.slice(0, 1000)).replace(ISO_LOCAL, '$1 at $2'));
  const rec = scanRecurrence(text);
  const facts = scanTemporal(text, clock, { bareHours: true });
  if (rec && rec.freq === 'WEEKLY' && rec.byDay.length === 0) {
    // "weekly on Monday": the named weekday is part of the rule.
    rec.byDay = [...new Set(facts.days.filter((d) => d.weekday).map((d) => d.weekday as number))];
  }
  const period = facts.period ?? rec?.period ?? null;

  let time: WallTime | null = null;
  let alternativeTime: WallTime | null = null;
  let rangeMinutes: number | null = null;
  if (facts.startTime && facts.endTime) {
    const [s, e] = resolveRange(facts.startTime, facts.endTime, period);
    time = { hour: Math.floor(s / 60) % 24, minute: s % 60 };
    rangeMinutes = e - s;
  } else if (facts.startTime) {
    time = wall(resolveClock(facts.startTime, period));
  } else if (period && !facts.allDay) {
    time = wall(PERIOD_START[period]);
  }
  const t = facts.startTime;
  if (t && time && !t.exact && !t.meridiem && !period && t.hour >= 1 && t.hour <= 12) {
    alternativeTime = { hour: (time.hour + 12) % 24, minute: time.minute };
  }
  // A weekday inside a weekly rule names the rule's days, not a first day.
  const ruleDays = rec ? facts.days.filter((d) => !d.weekday) : facts.days;
  return {
    today: formatDate(clock.today),
    days: ruleDays.map((d) => formatDate(d.date)),
    span: facts.span ? { from: formatDate(facts.span.from), to: formatDate(facts.span.to) } : null,
    spanFromNow: facts.spanFromNow,
    time,
    alternativeTime,
    rangeMinutes,
    minutes: facts.minutes,
    lengthDays: facts.lengthDays,
    relative: facts.relative === null ? null : Number(facts.relative),
    allDay: facts.allDay,
    recurrence: rec ? toRRule(rec) : null,
    anchor: facts.anchor ? formatDate(facts.anchor) : null,
    rest: text.remaining().replace(/\s+/g, ' ').trim(),
  };
}
