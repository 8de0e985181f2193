import { IANAZone } from 'luxon';
import { z } from 'zod';
import {
  COMMON_PASSWORD_MESSAGE,
  isCommonPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from '../auth/password-policy';

// IANA names (`UTC`, `Europe/Berlin`, `America/Argentina/Buenos_Aires`); bare offsets such as
// `+02:00`, which Intl also accepts, are refused: they have no daylight-saving rules.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

let spellings: Map<string, string> | undefined;

/**
 * A valid IANA zone in its usual letter case (`europe/berlin` → `Europe/Berlin`), else null. Only
 * the case changes: Intl's own canonical form would turn `Asia/Kolkata` into `Asia/Calcutta`.
 */
export function canonicalTimeZone(zone: string): string | null {
  if (!IANA_NAME.test(zone) || !IANAZone.isValidZone(zone)) return null;
  spellings ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  return spellings.get(zone.toLowerCase()) ?? zone;
}

/** Emails are stored and compared trimmed and lower-cased, so uniqueness is case-insensitive. */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .check(z.email('must be a valid email address'))
  .meta({ example: 'ada@example.com' });

/** A new password (registration, change): ASVS 5.0 length rules and no common password. */
export const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`)
  // Judged only within the length bounds, so a too-short password gets one message, not two.
  .refine((p) => p.length < PASSWORD_MIN_LENGTH || p.length > PASSWORD_MAX_LENGTH || !isCommonPassword(p), {
    message: COMMON_PASSWORD_MESSAGE,
    abort: true,
  })
  .meta({ example: 'correct horse battery staple' });

export const NameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .meta({ example: 'Ada Lovelace' });

export const TimeZoneSchema = z
  .string()
  .max(64, 'must be a valid IANA time zone such as Europe/Berlin')
  .transform((zone, ctx) => {
    const canonical = canonicalTimeZone(zone);
    if (canonical) return canonical;
    ctx.addIssue({ code: 'custom', message: 'must be a valid IANA time zone such as Europe/Berlin' });
    return z.NEVER;
  })
  .meta({ example: 'Europe/Berlin' });
