import { ValidationError } from '@app/common';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `1h`, `7d` or a combination such as `1h30m` → milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const value = text.trim();
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  if (!value || parts.map((p) => p[0]).join('') !== value) {
    throw new ValidationError(`${what} must be a duration such as 90s, 15m, 1h or 7d (got "${text}")`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0);
  if (ms <= 0) throw new ValidationError(`${what} must be longer than 0`);
  return ms;
}

/** 3_600_000 → "1h", 5_400_000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  let rest = Math.round(ms / 1000);
  const out: string[] = [];
  for (const [unit, s] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= s) {
      out.push(`${Math.floor(rest / s)}${unit}`);
      rest %= s;
    }
  }
  return out.join('');
}
