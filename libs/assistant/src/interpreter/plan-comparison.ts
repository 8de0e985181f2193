/**
 * Compares a plan with the expected fields of a case the way libs/assistant/test/fixtures/score.mjs
 * does (docs/assistant-contract.md): only the fields named in `expect` are checked; times are
 * compared as instants, titles and locations case-insensitively without punctuation or a leading
 * "the"/"a"/"an"/"my", RRULEs as sets of parts, attendees as sets of names, shifts as durations.
 */

export interface PlanCase {
  readonly id: string;
  readonly text: string;
  readonly now: string;
  readonly timeZone: string;
  readonly expect: Record<string, unknown>;
}

const TIME_KEYS = new Set(['start', 'end', 'from', 'to']);
const TEXT_KEYS = new Set(['title', 'location']);

export function normaliseText(value: unknown): string {
  return String(value ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(the|a|an|my) /, '');
}

export function normaliseRRule(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const parts = String(value)
    .replace(/^RRULE:/i, '')
    .toUpperCase()
    .split(';')
    .filter(Boolean);
  const fields: Record<string, string> = {};
  for (const part of parts) {
    const [key, v = ''] = part.split('=');
    fields[key] = key === 'BYDAY' ? v.split(',').sort().join(',') : v;
  }
  return JSON.stringify(
    Object.keys(fields)
      .sort()
      .map((k) => [k, fields[k]]),
  );
}

/** An ISO-8601 duration as [days, minutes, months], signed, so P1W equals P7D and PT90M PT1H30M. */
function normaliseShift(value: unknown): string | null {
  const text = String(value ?? '').toUpperCase();
  const m = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const n = (i: number) => Number(m[i] ?? 0);
  const sign = m[1] ? -1 : 1;
  return JSON.stringify([sign * (n(4) * 7 + n(5)), sign * (n(6) * 60 + n(7)), sign * (n(2) * 12 + n(3))]);
}

/** A list of people as a set of normalised names; absent means nobody. */
function normalisePeople(value: unknown): string {
  return Array.isArray(value) ? value.map(normaliseText).sort().join('|') : '';
}

/** The differences between expected fields and a plan; empty when the plan passes. */
export function comparePlan(expect: Record<string, unknown>, got: unknown, path = ''): string[] {
  const out: string[] = [];
  const record = got !== null && typeof got === 'object' ? (got as Record<string, unknown>) : undefined;
  for (const [key, want] of Object.entries(expect)) {
    const have = record?.[key];
    const here = path ? `${path}.${key}` : key;
    if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
      out.push(...comparePlan(want as Record<string, unknown>, have, here));
    } else if (TIME_KEYS.has(key)) {
      const ok =
        want === null
          ? have == null
          : typeof have === 'string' && Date.parse(have) === Date.parse(String(want));
      if (!ok) out.push(`${here}: want ${String(want)}, got ${String(have)}`);
    } else if (TEXT_KEYS.has(key)) {
      if (normaliseText(have) !== normaliseText(want))
        out.push(`${here}: want "${String(want)}", got "${String(have)}"`);
    } else if (key === 'attendees') {
      if (normalisePeople(have) !== normalisePeople(want))
        out.push(`${here}: want ${JSON.stringify(want)}, got ${JSON.stringify(have)}`);
    } else if (key === 'shift') {
      const ok =
        want === null
          ? have == null
          : normaliseShift(have) !== null && normaliseShift(have) === normaliseShift(want);
      if (!ok) out.push(`${here}: want ${String(want)}, got ${JSON.stringify(have)}`);
    } else if (key === 'recurrence') {
      if (normaliseRRule(have) !== normaliseRRule(want))
        out.push(`${here}: want ${String(want)}, got ${String(have)}`);
    } else if (have !== want) {
      out.push(`${here}: want ${JSON.stringify(want)}, got ${JSON.stringify(have)}`);
    }
  }
  return out;
}

/** Parses a JSONL file of cases (blank lines ignored). */
export function parseCases(jsonl: string): PlanCase[] {
  return jsonl
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as PlanCase);
}

const VERSION_ONE_INTENTS = new Set(['create', 'move', 'cancel', 'list', 'find_free', 'unknown']);
/** Convention 18 (blocks) reuses version-1 fields, so its cases are told apart by their request. */
const VERSION_TWO_REQUEST = /^\s*(block|hold|reserve)\b/i;

/**
 * Whether a case belongs to version 1 of the contract (docs/assistant-contract.md): its expectation
 * names only version-1 intents and fields (no `attendees`, `shift` or `target.all`), and its
 * request uses no version-2 convention (a block). Version 2 kept every version-1 case's meaning.
 */
export function isVersionOneCase(c: PlanCase): boolean {
  const { expect } = c;
  if (!VERSION_ONE_INTENTS.has(String(expect.intent))) return false;
  if ('attendees' in expect || 'shift' in expect) return false;
  const event = expect.event as Record<string, unknown> | null | undefined;
  const target = expect.target as Record<string, unknown> | null | undefined;
  if (event && 'attendees' in event) return false;
  if (target && 'all' in target) return false;
  return !VERSION_TWO_REQUEST.test(c.text);
}
