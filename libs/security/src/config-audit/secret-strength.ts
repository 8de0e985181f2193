import { DEV_JWT_SECRET } from '@app/config';

/** The bar for an HMAC signing secret: 32+ characters and about 80+ bits by the estimate below. */
export const MIN_SECRET_LENGTH = 32;
export const MIN_SECRET_ENTROPY_BITS = 80;
const MIN_DISTINCT_CHARACTERS = 8;

export interface SecretAssessment {
  length: number;
  distinctCharacters: number;
  /** length × the Shannon entropy of the secret's own character distribution (an upper-bound-ish estimate). */
  estimatedEntropyBits: number;
  /** Empty when the secret is strong. Never contains the secret or any part of it. */
  problems: string[];
}

/**
 * "Weak" means any of: the development default; under 32 characters; fewer than 8 distinct
 * characters; an estimated entropy under 80 bits; a short pattern repeated (`Passw0rd!Passw0rd!…`);
 * or mostly runs and sequences (`aaaa…`, `abcdef…`, `0123…`). A random 32-byte secret in hex or base64
 * passes with a wide margin (≈ 115–250 bits by this estimate); a human-chosen phrase usually does not.
 */
export function assessSecret(secret: string): SecretAssessment {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    perChar -= p * Math.log2(p);
  }
  const bits = Math.round(perChar * chars.length);
  const problems: string[] = [];
  if (secret === DEV_JWT_SECRET) problems.push('is the development default');
  if (chars.length < MIN_SECRET_LENGTH) problems.push(`is shorter than ${MIN_SECRET_LENGTH} characters`);
  if (counts.size < MIN_DISTINCT_CHARACTERS) problems.push(`uses only ${counts.size} distinct characters`);
  if (bits < MIN_SECRET_ENTROPY_BITS)
    problems.push(`has about ${bits} bits of entropy (at least ${MIN_SECRET_ENTROPY_BITS} wanted)`);
  if (repeatsPattern(chars)) problems.push('repeats a short pattern');
  if (mostlySequential(chars)) problems.push('is mostly runs or sequences of characters');
  return { length: chars.length, distinctCharacters: counts.size, estimatedEntropyBits: bits, problems };
}

function repeatsPattern(chars: string[]): boolean {
  const s = chars.join('');
  for (let unit = 1; unit <= chars.length / 2; unit++) {
    const head = chars.slice(0, unit).join('');
    if (head.repeat(Math.ceil(chars.length / unit)).startsWith(s)) return true;
  }
  return false;
}

function mostlySequential(chars: string[]): boolean {
  if (chars.length < 2) return false;
  let steps = 0;
  for (let i = 1; i < chars.length; i++) {
    if (Math.abs(chars[i].codePointAt(0)! - chars[i - 1].codePointAt(0)!) <= 1) steps++;
  }
  return steps / (chars.length - 1) > 0.75;
}
