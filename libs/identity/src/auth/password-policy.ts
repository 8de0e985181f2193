import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The password rules of OWASP ASVS 5.0 (V6.2): at least 8 characters, at least 64 allowed (we take
 * 128, and argon2 hashes every one of them — nothing is truncated), any characters, no composition
 * rules, and none of the most common passwords.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
export const COMMON_PASSWORD_MESSAGE = 'this password is too common; choose one that is harder to guess';

let common: Set<string> | undefined;

/**
 * Whether the password is on zxcvbn's list of the ~49 000 most common passwords (from breach
 * corpora), compared case-insensitively: `Password1` is as guessable as `password1`.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common.has(password.toLowerCase());
}
