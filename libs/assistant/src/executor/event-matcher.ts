/**
 * Which existing event a move or cancel means: pure functions over the caller's occurrences.
 *
 * - `target.title`: case-insensitive, fuzzy word overlap (plural/possessive forms, one typo in a
 *   long word). Generic words ("meeting", "appointment", "call") only count when nothing else
 *   names the event. An exact title beats all its words, which beats half of them.
 * - `target.start`: the occurrence starting at that exact instant (or, failing that, at the same
 *   wall-clock time within a day and a half: "my 3pm meeting" after 3 pm).
 * - `target.from`/`target.to`: occurrences overlapping that window.
 * - A recurring series counts once: its next occurrence (unless a time or day picks another).
 * - Pronouns ("it", "that", "this") are not matched here: the caller resolves them from memory.
 */

export interface OccurrenceCandidate {
  /** The event (series) id. */
  eventId: string;
  /** RECURRENCE-ID of the occurrence (its start for a single event), ISO. */
  occurrenceStart: string;
  recurring: boolean;
  /** The occurrence was moved or changed before (an override). */
  overridden: boolean;
  title: string;
  start: Date;
  end: Date;
  allDay: boolean;
}

export interface TargetQuery {
  title: string | null;
  start: Date | null;
  from: Date | null;
  to: Date | null;
}

export type MatchResult =
  | { kind: 'none' }
  | { kind: 'one'; match: OccurrenceCandidate }
  | { kind: 'many'; matches: OccurrenceCandidate[] };

/** At most this many candidates are offered to choose from. */
export const MAX_CHOICES = 9;

const STOP_WORDS = new Set([
  'the',
  'a',
  'an',
  'my',
  'our',
  'your',
  'with',
  'and',
  'for',
  'of',
  'to',
  'at',
  'on',
  'in',
  'this',
  'that',
  'one',
  'event',
]);
const GENERIC_WORDS = new Set([
  'meeting',
  'meetings',
  'appointment',
  'appt',
  'call',
  'session',
  'thing',
  'plan',
  'plans',
  'booking',
]);
const PRONOUNS =
  /^(?:it|that|this|that one|this one|the one|them|that event|this event|the event|same one|same)$/i;
const BULK = /\b(?:all|every|everything|entire|whole|each)\b/i;

/** "it", "that", "this" (or nothing at all): the event the user just talked about. */
export function isPronoun(title: string | null | undefined): boolean {
  return title == null || PRONOUNS.test(title.trim().replace(/[.!?]+$/, ''));
}

/** A target that names many events ("all my meetings"): never acted on. */
export function isBulkTarget(title: string | null | undefined): boolean {
  return !!title && BULK.test(title);
}

export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w && !STOP_WORDS.has(w))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function similar(a: string, b: string): boolean {
  if (a === b) return true;
  if (
    a.length >= 4 &&
    b.length >= 4 &&
    Math.abs(a.length - b.length) <= 3 &&
    (a.startsWith(b) || b.startsWith(a))
  )
    return true;
  return a.length >= 5 && b.length >= 5 && editDistanceAtMostOne(a, b);
}

function editDistanceAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/**
 * How well an event title answers the words naming it: 3 the same title, 2 every significant word
 * found, 1 at least half of them, 0 no match. `significantOnly`: generic words are ignored (other
 * criteria — a time, a day — name the event too); when only generic words remain, any title passes.
 */
export function titleTier(query: string, title: string, significantOnly = false): number {
  const q = tokens(query);
  const t = tokens(title);
  if (q.length === 0) return 2;
  if (q.join(' ') === t.join(' ')) return 3;
  const words = significantOnly ? q.filter((w) => !GENERIC_WORDS.has(w)) : q;
  if (words.length === 0) return 2;
  const found = words.filter((w) => t.some((x) => similar(w, x))).length;
  if (found === words.length) return 2;
  if (found * 2 >= words.length && found > 0) return 1;
  return 0;
}

/** The occurrences a target names (see the file comment). */
export function matchTarget(query: TargetQuery, candidates: OccurrenceCandidate[], now: Date): MatchResult {
  let pool = candidates;
  if (query.start) {
    const at = query.start.getTime();
    const exact = pool.filter((c) => c.start.getTime() === at);
    pool = exact.length ? exact : pool.filter((c) => sameWallClockNearby(c.start, query.start as Date));
  }
  if (query.from && query.to) {
    const from = query.from.getTime();
    const to = query.to.getTime();
    pool = pool.filter((c) => c.start.getTime() < to && c.end.getTime() > from);
  }
  const narrowed = !!query.start || !!(query.from && query.to);
  if (query.title && !isPronoun(query.title)) {
    const scored = pool
      .map((c) => ({ c, tier: titleTier(query.title as string, c.title, narrowed) }))
      .filter((s) => s.tier > 0);
    const best = Math.max(0, ...scored.map((s) => s.tier));
    pool = scored.filter((s) => s.tier === best).map((s) => s.c);
  } else if (!narrowed) {
    return { kind: 'none' };
  }
  if (!narrowed) pool = nextPerSeries(pool, now);
  // Upcoming events first: when some have not ended yet, forget the ones that have.
  const upcoming = pool.filter((c) => c.end.getTime() > now.getTime());
  if (upcoming.length) pool = upcoming;
  pool = [...pool].sort((a, b) => a.start.getTime() - b.start.getTime());
  if (pool.length === 0) return { kind: 'none' };
  if (pool.length === 1) return { kind: 'one', match: pool[0] };
  return { kind: 'many', matches: pool.slice(0, MAX_CHOICES) };
}

/** One occurrence per recurring series: the next one not yet over (else the latest). */
function nextPerSeries(pool: OccurrenceCandidate[], now: Date): OccurrenceCandidate[] {
  const bySeries = new Map<string, OccurrenceCandidate>();
  const singles: OccurrenceCandidate[] = [];
  for (const c of [...pool].sort((a, b) => a.start.getTime() - b.start.getTime())) {
    if (!c.recurring) {
      singles.push(c);
      continue;
    }
    const kept = bySeries.get(c.eventId);
    const keptIsPast = kept ? kept.end.getTime() <= now.getTime() : true;
    if (!kept || keptIsPast) bySeries.set(c.eventId, c);
  }
  return [...singles, ...bySeries.values()];
}

function sameWallClockNearby(start: Date, target: Date): boolean {
  const diff = Math.abs(start.getTime() - target.getTime());
  if (diff > 36 * 3_600_000) return false;
  // Whole days apart, give or take a daylight-saving hour.
  const hours = diff / 3_600_000;
  return [0, 23, 24, 25].some((h) => Math.abs(hours - h) < 1e-9);
}

export interface ChoiceContext {
  /** Local `HH:mm` and `YYYY-MM-DD` of each candidate's start, same order as the candidates. */
  localTimes: { time: string; date: string }[];
  /** Times the answer names (`HH:mm`, both readings of "3"), and the days it names. */
  answerTimes: string[];
  answerDays: string[];
}

const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  '1st': 1,
  '2nd': 2,
  '3rd': 3,
  '4th': 4,
  '5th': 5,
};

/**
 * The candidate an answer to "which one?" picks (0-based), or null when it picks none or several:
 * a number ("2", "#2", "number 2"), an ordinal ("the second one", "the last one"), a time ("the 3pm
 * one", "15:00"), or words of one title ("the hot yoga").
 */
export function pickChoice(
  answer: string,
  candidates: { title: string }[],
  ctx: ChoiceContext,
): number | null {
  const text = answer
    .trim()
    .toLowerCase()
    .replace(/[.!?]+$/, '');
  const n = candidates.length;
  const number = /^(?:#|no\.?\s*|number\s+|option\s+|the\s+)?(\d{1,2})(?:st|nd|rd|th)?(?:\s+one)?$/.exec(
    text,
  );
  if (number) {
    const i = Number(number[1]);
    return i >= 1 && i <= n ? i - 1 : null;
  }
  const ordinal =
    /^(?:the\s+)?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|last|1st|2nd|3rd|4th|5th)(?:\s+one)?(?:\s+please)?$/.exec(
      text,
    );
  if (ordinal) {
    const i = ordinal[1] === 'last' ? n : ORDINALS[ordinal[1]];
    return i >= 1 && i <= n ? i - 1 : null;
  }
  if (ctx.answerTimes.length || ctx.answerDays.length) {
    const hits = ctx.localTimes
      .map((t, i) => ({ t, i }))
      .filter(
        ({ t }) =>
          (!ctx.answerTimes.length || ctx.answerTimes.includes(t.time)) &&
          (!ctx.answerDays.length || ctx.answerDays.includes(t.date)),
      );
    if (hits.length === 1) return hits[0].i;
    if (hits.length > 1) return null;
  }
  const words = text.replace(/\b(?:the|one|please|i mean|i meant)\b/g, ' ').trim();
  if (!words) return null;
  const tiers = candidates.map((c) => titleTier(words, c.title));
  const best = Math.max(...tiers);
  if (best < 2) return null;
  const winners = tiers.flatMap((t, i) => (t === best ? [i] : []));
  return winners.length === 1 ? winners[0] : null;
}
