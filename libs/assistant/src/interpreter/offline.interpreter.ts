import { Injectable } from '@nestjs/common';
import { InterpretRequest, Plan, PlanTarget, PlanWindow } from '../plan/plan.schema';
import { addDays, compareDates, LocalDate } from '@app/calendar';
import { Clock, DaySpan, HourMinute, Instant } from './clock';
import { DURATION, parseMinutes } from './durations';
import { classify, stripCourtesy } from './intent';
import { foldPunctuation, MaskedText } from './masked-text';
import { firstOccurrence, scanRecurrence, toRRule } from './recurrence-phrases';
import {
  hasWhen,
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
    const { kind, body } = classify(text);
    switch (kind) {
      case 'create':
        return createPlan(body, clock);
      case 'move':
        return movePlan(body, clock);
      case 'cancel':
        return cancelPlan(body, clock);
      case 'list':
        return windowPlan('list', body, clock);
      case 'find_free':
        return windowPlan('find_free', body, clock);
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

function createPlan(body: string, clock: Clock): Plan {
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
  const title = createTitle(text.remaining()) ?? 'Event';
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
const SHIFT = new RegExp(
  `\\b(?:(back|forward|ahead|out|up|later|earlier)\\s+)?(?:by\\s+)?(${DURATION})\\s*(later|earlier|sooner|back|forward|ahead|out|before|after)?(?![a-z])`,
  'g',
);

function movePlan(body: string, clock: Clock): Plan {
  const split = chooseSplit(body, clock);
  let left = split ? body.slice(0, split.at) : body;
  let shiftMinutes: number | null = null;
  if (!split) {
    // "push my 3pm back an hour", "move the standup 30 minutes earlier".
    const lower = left.toLowerCase();
    SHIFT.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = SHIFT.exec(lower)) !== null) {
      const direction = `${m[1] ?? ''} ${m[3] ?? ''}`;
      if (!m[1] && !m[3] && !/\bby\s/.test(m[0])) continue;
      const minutes = parseMinutes(m[2]);
      if (minutes === null) continue;
      shiftMinutes = /earlier|sooner|forward|up|before/.test(direction) ? -minutes : minutes;
      left = left.slice(0, m.index) + ' '.repeat(m[0].length) + left.slice(m.index + m[0].length);
      break;
    }
  }
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
  } else if (shiftMinutes !== null && target.start !== null) {
    start = target.start + shiftMinutes * MINUTE;
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
  return { intent, event: null, target: null, window, durationMinutes: minutes };
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
