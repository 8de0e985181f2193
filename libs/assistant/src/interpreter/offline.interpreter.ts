import { Injectable } from '@nestjs/common';
import { InterpretRequest, Plan, PlanTarget, PlanWindow } from '../plan/plan.schema';
import { addDays, compareDates, LocalDate } from '@app/calendar';
import { Clock, DaySpan, HourMinute, Instant } from './clock';
import { DURATION, formatShift, parseLength } from './durations';
import { classify, stripCourtesy } from './intent';
import { foldPunctuation, MaskedText } from './masked-text';
import { peopleWith, peopleWithMe, readCheckSubject, readInvite, readPeople } from './people';
import { firstOccurrence, scanRecurrence, toRRule } from './recurrence-phrases';
import {
  hasWhen,
  DayPeriod,
  PERIOD_SPAN,
  PERIOD_START,
  resolveClock,
  resolveRange,
  scanTemporal,
  TemporalFacts,
} from './time-phrases';
import { createTitle, extractLocation, maskCalendarPhrases, targetTitle } from './title';

/**
 * The offline interpreter: turns `{text, now, timeZone}` into a plan with rules (and chrono-node for
 * dates the rules do not know), following the conventions of docs/assistant-contract.md. Deterministic, no
 * network, well under a millisecond per request.
 */
@Injectable()
export class OfflineInterpreter {
  interpret(req: InterpretRequest): Plan {
    const clock = Clock.create(req.now, req.timeZone);
    if (!clock) return unknownPlan();
    const text = stripCourtesy(foldPunctuation(req.text ?? '').slice(0, 1000));
    const { kind, body, verb } = classify(text);
    switch (kind) {
      case 'create':
        return BLOCK_VERB.test(body) ? blockPlan(body, clock) : createPlan(body, clock);
      case 'move':
        return movePlan(body, clock, verb ?? '');
      case 'resize':
        return resizePlan(body, verb ?? '', clock);
      case 'cancel':
        return cancelPlan(body, clock);
      case 'bulk_cancel':
        return bulkCancelPlan(body, clock);
      case 'list':
        return windowPlan('list', body, clock);
      case 'find_free':
        return windowPlan('find_free', body, clock);
      case 'check':
        return checkPlan(body, clock);
      case 'invite':
        return invitePlan(body, clock);
      case 'undo':
        return { ...unknownPlan(), intent: 'undo' };
      default:
        return unknownPlan();
    }
  }
}

const DEFAULT_MINUTES = 60;
const MINUTE = 60_000;

function unknownPlan(): Plan {
  return { intent: 'unknown', event: null, target: null, window: null, durationMinutes: null };
}

// ── create ──────────────────────────────────────────────────────────────────────────────────────

function createPlan(body: string, clock: Clock, defaultTitle = 'Event'): Plan {
  const text = new MaskedText(body);
  maskCalendarPhrases(text);
  let rec = scanRecurrence(text);
  const facts = scanTemporal(text, clock);
  if (!rec && !hasWhen(facts)) return unknownPlan();

  const listed = rec ? null : listedWeekdays(facts, text);
  if (listed) {
    // "Gym Monday, Wednesday and Friday at 7": a list of weekdays repeats weekly.
    rec = { freq: 'WEEKLY', interval: 1, byDay: listed, nth: null, byMonthDay: null, period: null };
    facts.days.length = 0;
  }
  if (rec && rec.freq === 'WEEKLY' && rec.byDay.length === 0) {
    const named = facts.days.filter((d) => d.weekday).map((d) => d.weekday as number);
    rec.byDay = [...new Set(named)];
  }
  const location = extractLocation(text);
  const title = createTitle(text.remaining()) ?? defaultTitle;
  const attendees = peopleWith(text.remaining());
  if (isGibberish(title) && !facts.startTime && !rec) return unknownPlan();

  const period = facts.period ?? rec?.period ?? null;
  const namedDay = facts.days[0]?.date ?? null;
  const day = namedDay ?? facts.span?.from ?? null;
  // A weekday named with a recurrence ("weekly on Monday") is part of the rule, not a first day.
  const firstDay = facts.days.find((d) => !d.weekday && !/^(?:until|till|til|by|due)$/.test(d.prefix));
  const explicitFirst = facts.anchor ?? firstDay?.date ?? null;

  let start: Instant;
  let end: Instant;
  let allDay = false;

  let startTime: HourMinute | null = null;
  let endOffset: number | null = null;
  if (facts.startTime && facts.endTime) {
    const [s, e] = resolveRange(facts.startTime, facts.endTime, period);
    startTime = { hour: Math.floor(s / 60) % 24, minute: s % 60 };
    endOffset = e - s;
  } else if (facts.startTime) {
    startTime = resolveClock(facts.startTime, period);
  } else if (period && !facts.allDay) {
    startTime = PERIOD_START[period];
  }

  if (facts.relative !== null && !facts.startTime) {
    start = facts.relative;
    end = start + (facts.minutes ?? DEFAULT_MINUTES) * MINUTE;
  } else if (startTime && !facts.allDay) {
    if (rec) {
      const first = firstOccurrence(rec, clock, startTime, explicitFirst);
      if (!first) return unknownPlan();
      start = first.start;
    } else if (day) {
      // "tonight at 12", "Friday night at 1": small hours belong to the night after that day.
      const lateNight = period === 'night' && startTime.hour < 5 && namedDay !== null;
      start = clock.at(lateNight ? addDays(day, 1) : day, startTime);
    } else {
      start = clock.nextAt(startTime);
    }
    if (endOffset !== null && facts.endTime) {
      const startDay = clock.dateOf(start);
      const endMinutes = startTime.hour * 60 + startTime.minute + endOffset;
      end = clock.at(addDays(startDay, Math.floor(endMinutes / 1440)), {
        hour: Math.floor((endMinutes % 1440) / 60),
        minute: endMinutes % 60,
      });
    } else if (facts.minutes !== null) {
      end = start + facts.minutes * MINUTE;
    } else if (facts.lengthDays !== null) {
      end = start + facts.lengthDays * 1440 * MINUTE;
    } else {
      end = start + DEFAULT_MINUTES * MINUTE;
    }
  } else {
    allDay = true;
    let first: LocalDate;
    let last: LocalDate; // exclusive
    if (rec) {
      const occurrence = firstOccurrence(
        rec,
        clock,
        null,
        explicitFirst ?? (rec.freq === 'YEARLY' ? day : null),
      );
      if (!occurrence) return unknownPlan();
      first = occurrence.day;
      last = addDays(first, facts.lengthDays ?? 1);
    } else if (namedDay) {
      first = namedDay;
      last = addDays(first, facts.lengthDays ?? 1);
    } else if (facts.span) {
      first = facts.span.from;
      last = facts.lengthDays ? addDays(first, facts.lengthDays) : facts.span.to;
    } else {
      first = clock.today;
      last = addDays(first, facts.lengthDays ?? 1);
    }
    start = clock.midnight(first);
    end = clock.midnight(last);
  }

  return {
    intent: 'create',
    event: {
      title,
      start: clock.iso(start),
      end: clock.iso(end),
      allDay,
      recurrence: rec ? toRRule(rec) : null,
      location,
      ...(attendees ? { attendees } : {}),
    },
    target: null,
    window: null,
    durationMinutes: null,
  };
}

const LIST_GAP = /^\s*(?:,|&|\/|and|,\s*and)\s*$/i;

/** Weekdays named as a list ("Monday, Wednesday and Friday"); null unless there are two or more. */
function listedWeekdays(facts: TemporalFacts, text: MaskedText): number[] | null {
  const days = facts.days;
  if (days.length < 2 || days.some((d) => !d.weekday || d.prefix === 'between')) return null;
  for (let i = 1; i < days.length; i++) {
    if (!LIST_GAP.test(text.original.slice(days[i - 1].end, days[i].start))) return null;
  }
  return [...new Set(days.map((d) => d.weekday as number))];
}

/** A title with no vowels or no real word (keyboard mashing) is not a request. */
function isGibberish(title: string): boolean {
  const words = title.toLowerCase().match(/[a-z]+/g) ?? [];
  if (words.length === 0) return false;
  return words.every((w) => !/[aeiouy]/.test(w) || /[bcdfghjklmnpqrstvwxz]{5,}/.test(w));
}

// ── move and cancel ────────────────────────────────────────────────────────────────────────────

interface TargetInfo {
  readonly target: PlanTarget;
  /** The day the target was named on, if any. */
  readonly day: LocalDate | null;
  /** The target's time of day, if named. */
  readonly time: HourMinute | null;
  readonly start: Instant | null;
}

const CALENDAR_TAIL =
  /\s*\b(?:from|off|on|in|out\s+of)\s+(?:my|the|our)\s+(?:calendar|schedule|agenda|diary)\b/gi;

function describeTarget(raw: string, clock: Clock): TargetInfo {
  const text = new MaskedText(raw.replace(CALENDAR_TAIL, (m) => ' '.repeat(m.length)));
  const facts = scanTemporal(text, clock);
  const title = targetTitle(text.remaining());
  const day = facts.days[0]?.date ?? null;
  let time: HourMinute | null = null;
  if (facts.startTime) time = resolveClock(facts.startTime, facts.period);
  let start: Instant | null = null;
  if (time) start = day ? clock.at(day, time) : clock.nextAt(time);
  else if (facts.relative !== null) start = facts.relative;
  let span: DaySpan | null = null;
  if (start === null) {
    if (facts.days.length)
      span = { from: facts.days[0].date, to: addDays(facts.days[facts.days.length - 1].date, 1) };
    else if (facts.span) span = facts.span;
  }
  return {
    target: {
      title,
      start: start !== null ? clock.iso(start) : null,
      from: span ? clock.iso(clock.midnight(span.from)) : null,
      to: span ? clock.iso(clock.midnight(span.to)) : null,
    },
    day: day ?? facts.span?.from ?? null,
    time,
    start,
  };
}

const MOVE_SPLIT = /\b(?:to|until|till|til|for|into|over\s+to)(?![a-z'])/g;
const FILLER_WORDS =
  /\b(?:the|a|an|same|time|instead|please|then|one|again|slot|that|day|it|on|at|in|of|around|about|approximately|sometime|rather|earlier|later|start|starting|begin|beginning|so|it|starts|or|ok|okay|thanks|thank|you)\b/g;
const SHIFT_LATER_WORD = /^(?:later|back|out|after|along)$/;
const SHIFT_EARLIER_WORD = /^(?:earlier|sooner|forward|up|before|in|ahead)$/;
/** "30 minutes later", "back an hour", "by a week", "up a day", "later by 15 minutes". */
const SHIFT = new RegExp(
  `\\b(?:(back|forward|ahead|out|up|later|earlier|sooner)\\s+)?(?:(by)\\s+)?(?:another\\s+|an\\s+extra\\s+|a\\s+further\\s+|about\\s+|around\\s+|roughly\\s+|just\\s+)?(${DURATION})\\s*(later|earlier|sooner|back|forward|ahead|out|before|after)?(?![a-z])`,
  'g',
);
/** "to next week", "to the following day": a relative move by a whole day or week (convention 16). */
const SHIFT_TO =
  /\b(?:to|until|till|into|over\s+to|for)\s+(?:the\s+)?(?:(next|following|coming)\s+(day|week)|day\s+after(?!\s+tomorrow)|week\s+after(?!\s+next))(?![a-z])/g;

interface Shift {
  readonly minutes: number;
  readonly days: number;
  readonly start: number;
  readonly end: number;
  /** Said with a direction word or "by" (not only implied by the verb). */
  readonly explicit: boolean;
}

/** The direction a move verb implies on its own: push back, postpone → later; bring forward, move up → earlier. */
function verbDirection(verb: string): 1 | -1 | 0 {
  const v = verb.toLowerCase();
  if (/\b(?:forward|up|in)$/.test(v) || /^(?:advance|prepone|pull)/.test(v)) return -1;
  if (/\b(?:back|out|along)$/.test(v) || /^(?:postpone|delay|defer|put\s+off|push|bump|slide)/.test(v))
    return 1;
  return 0;
}

/** The relative amount of a move ("an hour earlier", "by a week", "back 30 minutes"); null when none. */
function findShift(body: string, verb: string): Shift | null {
  const lower = body.toLowerCase();
  const implied = verbDirection(verb);
  SHIFT.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SHIFT.exec(lower)) !== null) {
    const words = [m[1], m[4]].filter((w): w is string => !!w);
    let sign: number = implied;
    if (words.some((w) => SHIFT_EARLIER_WORD.test(w))) sign = -1;
    else if (words.some((w) => SHIFT_LATER_WORD.test(w))) sign = 1;
    const explicit = words.length > 0 || !!m[2];
    if (!explicit && implied === 0) continue;
    if (sign === 0) sign = 1; // "move it by an hour"
    const length = parseLength(m[3]);
    if (!length) continue;
    return {
      minutes: sign * (length.minutes ?? 0),
      days: sign * (length.days ?? 0),
      start: m.index,
      end: m.index + m[0].length,
      explicit,
    };
  }
  SHIFT_TO.lastIndex = 0;
  const to = SHIFT_TO.exec(lower);
  if (to) {
    const days =
      (to[2] ?? (/^day/.test(to[0].replace(/^\S+\s+(?:the\s+)?/, '')) ? 'day' : 'week')) === 'day' ? 1 : 7;
    return { minutes: 0, days, start: to.index, end: to.index + to[0].length, explicit: true };
  }
  return null;
}

function movePlan(body: string, clock: Clock, verb: string): Plan {
  let split = chooseSplit(body, clock);
  const found = findShift(body, verb);
  let shift: Shift | null = found && (found.explicit || !split) ? found : null;
  const weeks = !shift && split ? weeksAheadOnly(split.facts, clock) : 0;
  if (split && weeks) {
    // "move X to next week" (no day named): the same weekday and time, a week (or two) later.
    shift = { minutes: 0, days: 7 * weeks, start: split.at, end: body.length, explicit: true };
  }
  if (shift) {
    split = null;
    const left = body.slice(0, shift.start) + ' '.repeat(shift.end - shift.start) + body.slice(shift.end);
    const target = describeTarget(left, clock);
    if (!target.target.title && !target.target.start && !target.target.from) return unknownPlan();
    return {
      intent: 'move',
      event: null,
      target: target.target,
      window: null,
      durationMinutes: null,
      shift: formatShift(shift.days, shift.minutes),
    };
  }
  const left = split ? body.slice(0, split.at) : body;
  const target = describeTarget(left, clock);
  if (!target.target.title && !target.target.start && !target.target.from) return unknownPlan();

  let start: Instant | null = null;
  let end: Instant | null = null;
  if (split) {
    const facts = split.facts;
    const period = facts.period;
    const baseDay = facts.days[0]?.date ?? facts.span?.from ?? target.day ?? null;
    let time: HourMinute | null = null;
    let endOffset: number | null = null;
    if (facts.startTime && facts.endTime) {
      const [s, e] = resolveRange(facts.startTime, facts.endTime, period);
      time = { hour: Math.floor(s / 60) % 24, minute: s % 60 };
      endOffset = e - s;
    } else if (facts.startTime) {
      time = resolveClock(facts.startTime, period);
    } else if (period) {
      time = PERIOD_START[period];
    }
    if (facts.relative !== null && !time) start = facts.relative;
    else if (time) start = baseDay ? clock.at(baseDay, time) : clock.nextAt(time);
    else if (baseDay) start = target.time ? clock.at(baseDay, target.time) : clock.midnight(baseDay);
    if (start !== null && endOffset !== null) end = start + endOffset * MINUTE;
    else if (start !== null && facts.minutes !== null) end = start + facts.minutes * MINUTE;
  }

  return {
    intent: 'move',
    event: {
      title: null,
      start: start !== null ? clock.iso(start) : null,
      end: end !== null ? clock.iso(end) : null,
      allDay: null,
      recurrence: null,
      location: null,
    },
    target: target.target,
    window: null,
    durationMinutes: null,
  };
}

/** 1 or 2 when the new time is "next week" / "the week after next" and nothing else (no day, no time); else 0. */
function weeksAheadOnly(facts: TemporalFacts, clock: Clock): number {
  if (!facts.span || facts.days.length || facts.startTime || facts.period || facts.relative !== null)
    return 0;
  for (const weeks of [1, 2]) {
    const span = clock.week(weeks);
    if (compareDates(facts.span.from, span.from) === 0 && compareDates(facts.span.to, span.to) === 0)
      return weeks;
  }
  return 0;
}

/** Where the target ends and the new time begins: the first "to"/"until"/"for" whose rest is only a time. */
function chooseSplit(body: string, clock: Clock): { at: number; facts: TemporalFacts } | null {
  const lower = body.toLowerCase();
  let fallback: { at: number; facts: TemporalFacts } | null = null;
  MOVE_SPLIT.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = MOVE_SPLIT.exec(lower)) !== null) {
    const rest = new MaskedText(body.slice(m.index + m[0].length));
    const facts = scanTemporal(rest, clock, { bareHours: true });
    if (!hasWhen(facts)) continue;
    const leftover = rest.remaining().toLowerCase().replace(FILLER_WORDS, ' ');
    const candidate = { at: m.index, facts };
    if (!/[a-z0-9]/.test(leftover)) return candidate;
    fallback = candidate;
  }
  return fallback;
}

/**
 * "make it 30 minutes", "shorten the standup to 15 minutes": a move that keeps the start and sets a
 * new length in `durationMinutes` (docs/assistant-contract.md, `durationMinutes`); `body` names the
 * event, `lengthText` holds the length.
 */
function resizePlan(body: string, lengthText: string, clock: Clock): Plan {
  const phrase = new RegExp(DURATION).exec(lengthText.toLowerCase());
  const length = phrase ? parseLength(phrase[0]) : null;
  if (!length?.minutes) return unknownPlan();
  const resized: Plan = {
    intent: 'move',
    event: null,
    target: null,
    window: null,
    durationMinutes: length.minutes,
  };
  // "make it 30 minutes": no target, as for "invite Sam too" — the event just discussed.
  if (/^(?:it|that|this)(?:\s+(?:one|event|meeting|appointment|call))?$/i.test(body.trim())) return resized;
  const target = describeTarget(body, clock);
  if (!target.target.title && !target.target.start && !target.target.from) return unknownPlan();
  return { ...resized, target: target.target };
}

function cancelPlan(body: string, clock: Clock): Plan {
  const target = describeTarget(body, clock);
  if (!target.target.title && !target.target.start) return unknownPlan();
  return { intent: 'cancel', event: null, target: target.target, window: null, durationMinutes: null };
}

// ── list and find_free ─────────────────────────────────────────────────────────────────────────

const FREE_WORDS = /\b(?:free|open|spare|available|unbooked|empty|clear)\b/gi;

function windowPlan(intent: 'list' | 'find_free', body: string, clock: Clock): Plan {
  const source = intent === 'find_free' ? body.replace(FREE_WORDS, (w) => ' '.repeat(w.length)) : body;
  const text = new MaskedText(source);
  maskCalendarPhrases(text);
  const facts = scanTemporal(text, clock);
  const window = windowOf(facts, clock);
  let minutes: number | null = null;
  if (intent === 'find_free') {
    minutes =
      facts.minutes ?? (facts.relative !== null ? Math.round((facts.relative - clock.now) / MINUTE) : null);
    if (!minutes || minutes <= 0) minutes = DEFAULT_MINUTES;
  }
  const attendees = intent === 'find_free' ? findFreePeople(text.remaining()) : null;
  return {
    intent,
    event: null,
    target: null,
    window,
    durationMinutes: minutes,
    ...(attendees ? { attendees } : {}),
  };
}

/** "with Priya", "for me and Sam", "when are Sam and I free": the other people of a find_free. */
function findFreePeople(remaining: string): string[] | null {
  const found = peopleWith(remaining, true) ?? [];
  const add = (people: string[]) => {
    for (const p of people) if (!found.some((f) => f.toLowerCase() === p.toLowerCase())) found.push(p);
  };
  add(peopleWithMe(remaining, true));
  const when = /^\s*(?:when|what\s+time)\s+(?:are|is|can|could|will|do)\s+/i.exec(remaining);
  if (when) add(readPeople(remaining.slice(when[0].length)).people);
  return found.length ? found : null;
}

function windowOf(facts: TemporalFacts, clock: Clock): PlanWindow {
  if (facts.span) {
    const from = facts.spanFromNow ? clock.now : clock.midnight(facts.span.from);
    return { from: clock.iso(from), to: clock.iso(clock.midnight(facts.span.to)) };
  }
  if (facts.days.length) {
    const dates = facts.days.map((d) => d.date);
    const first = dates.reduce((a, b) => (compareDates(a, b) <= 0 ? a : b));
    const last = dates.reduce((a, b) => (compareDates(a, b) >= 0 ? a : b));
    return { from: clock.iso(clock.midnight(first)), to: clock.iso(clock.midnight(addDays(last, 1))) };
  }
  if (facts.startTime) {
    const start = clock.nextAt(resolveClock(facts.startTime, facts.period));
    const day = clock.dateOf(start);
    return { from: clock.iso(clock.midnight(day)), to: clock.iso(clock.midnight(addDays(day, 1))) };
  }
  return { from: clock.iso(clock.midnight(clock.today)), to: clock.iso(clock.midnight(clock.tomorrow)) };
}

// ── version 2: checks, blocks, bulk cancels, invites ───────────────────────────────────────────

/** A wall-clock time on a day, `minutes` after its midnight (past 24:00 runs into the next day). */
function wallClock(clock: Clock, day: LocalDate, minutes: number): Instant {
  const dayOffset = Math.floor(minutes / 1440);
  const m = minutes - dayOffset * 1440;
  return clock.at(addDays(day, dayOffset), { hour: Math.floor(m / 60), minute: m % 60 });
}

/**
 * The day a part of the day with no date falls on: for a check, today while it has not ended; for
 * a new block, today if it has not begun (convention 5); else tomorrow.
 */
function periodDay(clock: Clock, period: DayPeriod, edge: 0 | 1): LocalDate {
  return wallClock(clock, clock.today, PERIOD_SPAN[period][edge]) > clock.now ? clock.today : clock.tomorrow;
}

/** The span of a part of the day ("Friday afternoon" → 12:00–17:00 on Friday), in wall-clock time. */
function periodSpan(
  clock: Clock,
  period: DayPeriod,
  day: LocalDate | null,
  edge: 0 | 1 = 1,
): [Instant, Instant] {
  const d = day ?? periodDay(clock, period, edge);
  const [from, to] = PERIOD_SPAN[period];
  return [wallClock(clock, d, from), wallClock(clock, d, to)];
}

const LUNCH = /\b(?:for|at|over|during)\s+lunch\b/i;
const NOW_WORDS = /\b(?:right\s+now|now|at\s+the\s+moment|currently|right\s+away)(?![a-z])/;

/**
 * Convention 17: "am I free Thursday at 2?" → the hour from 14:00; "do I have anything tomorrow
 * afternoon?" → 12:00–17:00; a day → its whole day. Wall-clock time in the user's zone.
 */
/**
 * The window of a check phrase ("Thursday at 2", "tomorrow afternoon") by convention 17, for the
 * LLM interpreter's check tool; null when `now` or the zone is invalid.
 */
export function checkWindowFor(phrase: string, now: string, timeZone: string): PlanWindow | null {
  const clock = Clock.create(now, timeZone);
  if (!clock) return null;
  const text = new MaskedText(foldPunctuation(phrase.slice(0, 1000)));
  const facts = scanTemporal(text, clock, { barePeriods: true });
  return checkWindow(facts, clock, phrase);
}

function checkPlan(body: string, clock: Clock): Plan {
  const text = new MaskedText(body);
  maskCalendarPhrases(text);
  const facts = scanTemporal(text, clock, { barePeriods: true });
  // Convention 15: "is Sam free …", "am I free with Priya …" ask about those people too.
  const attendees = [...(readCheckSubject(body) ?? [])];
  for (const p of [...(peopleWith(text.remaining()) ?? []), ...peopleWithMe(text.remaining())])
    if (!attendees.some((a) => a.toLowerCase() === p.toLowerCase())) attendees.push(p);
  return {
    intent: 'check',
    event: null,
    target: null,
    window: checkWindow(facts, clock, body),
    durationMinutes: null,
    ...(attendees.length ? { attendees } : {}),
  };
}

function checkWindow(facts: TemporalFacts, clock: Clock, body: string): PlanWindow {
  const day = facts.days[0]?.date ?? (facts.span && !facts.days.length ? facts.span.from : null);
  if (facts.startTime) {
    let s: number;
    let e: number;
    if (facts.endTime) {
      [s, e] = resolveRange(facts.startTime, facts.endTime, facts.period);
    } else {
      const t = resolveClock(facts.startTime, facts.period);
      s = t.hour * 60 + t.minute;
      e = s + (facts.minutes ?? DEFAULT_MINUTES);
    }
    const base = day ?? clock.dateOf(clock.nextAt({ hour: Math.floor(s / 60) % 24, minute: s % 60 }));
    return { from: clock.iso(wallClock(clock, base, s)), to: clock.iso(wallClock(clock, base, e)) };
  }
  if (facts.relative !== null) {
    const to = facts.relative + (facts.minutes ?? DEFAULT_MINUTES) * MINUTE;
    return { from: clock.iso(facts.relative), to: clock.iso(to) };
  }
  if (facts.period) {
    const [from, to] = periodSpan(clock, facts.period, day);
    return { from: clock.iso(from), to: clock.iso(to) };
  }
  if (LUNCH.test(body) && (day || !facts.span)) {
    // "am I free for lunch on Friday?": the noon hour.
    const base = day ?? clock.dateOf(clock.nextAt({ hour: 12, minute: 0 }));
    return { from: clock.iso(wallClock(clock, base, 720)), to: clock.iso(wallClock(clock, base, 780)) };
  }
  if (facts.days.length || facts.span) return windowOf(facts, clock);
  if (NOW_WORDS.test(body.toLowerCase())) {
    return {
      from: clock.iso(clock.now),
      to: clock.iso(clock.now + (facts.minutes ?? DEFAULT_MINUTES) * MINUTE),
    };
  }
  return windowOf(facts, clock);
}

/** "block", "hold", "reserve", and "put a hold on" (convention 18). */
const BLOCK_VERB = /^(?:block|hold|reserve|(?:put|place)\s+a\s+hold\s+on)(?![a-z'])/i;
/** What may stand between the block verb and the "for": "block off some time on my calendar". */
const BLOCK_FILLER =
  /^(?:block|hold|reserve|put|place|off|out|some|time|my|the|our|up|it|me|a|an|of|on|in|calendar|schedule|whole|entire|please|just)$/i;
const BLOCK_FOR = /(?:^|\s)(?:for|to)\s+(?=\S)/i;

/**
 * Convention 18: "block Friday afternoon for deep work" → "Deep work" 12:00–17:00; "hold Tuesday
 * morning" → "Busy" 08:00–12:00. A block with a clock time is an ordinary create titled "Busy" when
 * nothing else names it.
 */
function blockPlan(body: string, clock: Clock): Plan {
  const text = new MaskedText(body);
  maskCalendarPhrases(text);
  const facts = scanTemporal(text, clock, { barePeriods: true });
  if (!facts.period || facts.startTime || facts.relative !== null || facts.allDay) {
    return createPlan(body, clock, 'Busy');
  }
  const location = extractLocation(text);
  const remaining = text.remaining();
  const forAt = BLOCK_FOR.exec(remaining);
  const head = forAt ? remaining.slice(0, forAt.index) : remaining;
  const headWords = head.match(/[\p{L}\p{N}']+/gu) ?? [];
  // "hold a meeting with Sam Friday afternoon" names an event: an ordinary create.
  if (headWords.some((w) => !BLOCK_FILLER.test(w))) return createPlan(body, clock, 'Busy');
  const title = (forAt ? createTitle(remaining.slice(forAt.index + forAt[0].length)) : null) ?? 'Busy';
  const day = facts.days[0]?.date ?? (facts.span ? facts.span.from : null);
  const [start, periodEnd] = periodSpan(clock, facts.period, day, 0);
  const end = facts.minutes !== null ? start + facts.minutes * MINUTE : periodEnd;
  const attendees = forAt ? peopleWith(remaining.slice(forAt.index)) : null;
  return {
    intent: 'create',
    event: {
      title,
      start: clock.iso(start),
      end: clock.iso(end),
      allDay: false,
      recurrence: null,
      location,
      ...(attendees ? { attendees } : {}),
    },
    target: null,
    window: null,
    durationMinutes: null,
  };
}

const BULK_VERB =
  /^(?:cancel|delete|remove|clear|erase|wipe|drop|purge|scrap|get\s+rid\s+of|nuke|empty|trash|axe|kill|call\s+off|reset|unschedule|free\s+up|clean\s+out)(?![a-z'])(?:\s+out(?![a-z']))?/i;
const BULK_WORDS =
  /(?<![\p{L}'])(?:all(?:\s+of)?|every(?:thing|\s+single|\s+(?:day|time|week|one\s+of))?|each(?:\s+of)?|both(?:\s+of)?|any|entire|whole|remaining|(?:the\s+)?rest\s+of)(?![\p{L}'])/giu;
/** Words that name no kind of event: "all my meetings", "everything", "my calendar". */
const GENERIC_EVENTS =
  /^(?:(?:my|the|our|your)\s+)?(?:(?:calendar|scheduled|upcoming)\s+)?(?:meetings?|events?|appointments?|calendar|schedule|agenda|diary|plans?|entries|entry|items?|things?|stuff|bookings?|commitments?|day|week|weekend|month|morning|afternoon|evening|today|tomorrow|tonight|it|them|that|those|these)?$/i;

/**
 * Convention 19: "cancel all my meetings on Friday", "clear all standups next week", "delete
 * everything tomorrow" → cancel with `target.all` over the span named; without a bounded span
 * ("delete all my events", "clear my calendar") the request is `unknown` (convention 14).
 */
function bulkCancelPlan(body: string, clock: Clock): Plan {
  const verb = BULK_VERB.exec(body);
  if (!verb) return unknownPlan();
  const rest = body.slice(verb[0].length).replace(CALENDAR_TAIL, (m) => ' '.repeat(m.length));
  const text = new MaskedText(rest);
  text.scan(BULK_WORDS, () => true);
  const facts = scanTemporal(text, clock, { barePeriods: true });
  let from: Instant;
  let to: Instant;
  const day = facts.days[0]?.date ?? null;
  if (facts.period && (day || !facts.span)) {
    [from, to] = periodSpan(clock, facts.period, day);
  } else if (facts.days.length || facts.span) {
    const window = windowOf(facts, clock);
    from = Date.parse(window.from);
    to = Date.parse(window.to);
  } else {
    // "clear my day", "cancel my whole week": the current day or week.
    const unit = /\b(day|week|weekend)\b/i.exec(text.remaining())?.[1]?.toLowerCase();
    const span =
      unit === 'day'
        ? clock.day(clock.today)
        : unit === 'week'
          ? clock.week(0)
          : unit === 'weekend'
            ? clock.weekend(0)
            : null;
    if (!span) return unknownPlan();
    from = clock.midnight(span.from);
    to = clock.midnight(span.to);
  }
  let title = targetTitle(text.remaining());
  if (title && GENERIC_EVENTS.test(title.replace(/\s+(?:for|on|in|from|of)$/i, '').trim())) title = null;
  return {
    intent: 'cancel',
    event: null,
    target: { title, start: null, from: clock.iso(from), to: clock.iso(to), all: true },
    window: null,
    durationMinutes: null,
  };
}

/**
 * Convention 15: "invite Priya and Lee to the offsite", "add sam@example.com to tomorrow's
 * standup" → invite with the people and the target event ("invite Sam too": the event just
 * discussed, target null). "Add Gym to Friday at 6" names no event: a create.
 */
function invitePlan(body: string, clock: Clock): Plan {
  const invite = readInvite(body);
  if (!invite) return createPlan(body, clock);
  let target: PlanTarget | null = null;
  if (invite.targetText.trim()) {
    const described = describeTarget(invite.targetText, clock);
    if (!described.target.title && !/^\s*(?:invite|loop|cc|send)/i.test(body)) return createPlan(body, clock);
    target = described.target;
  }
  return {
    intent: 'invite',
    event: null,
    target,
    window: null,
    durationMinutes: null,
    attendees: invite.attendees,
  };
}
