/**
 * Compares a plan with the expected fields of a case the way /work/shared/assistant/score.mjs does:
 * only the fields named in `expect` are checked; times are compared as instants, titles and
 * locations case-insensitively without punctuation or a leading "the"/"a"/"an"/"my", RRULEs as
 * sets of parts.
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
