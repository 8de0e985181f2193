import { PasswordSchema } from '../users/user.validation';
import { COMMON_PASSWORD_MESSAGE, isCommonPassword } from './password-policy';

describe('password policy', () => {
  it.each(['password', 'Password1', 'PASSWORD1', '12345678', 'iloveyou', 'qwertyuiop', 'Passw0rd'])(
    'refuses the common password %j whatever its case',
    (password) => {
      expect(isCommonPassword(password)).toBe(true);
      const result = PasswordSchema.safeParse(password);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.message)).toEqual([COMMON_PASSWORD_MESSAGE]);
    },
  );

  it('accepts uncommon passwords of any composition: all lower case, spaces, no digits, unicode', () => {
    for (const password of [
      'correct horse battery staple',
      'zebra lantern',
      'ÿéß漢字かな🙂x',
      'a'.repeat(128),
    ]) {
      expect(PasswordSchema.safeParse(password)).toEqual({ success: true, data: password });
    }
  });

  it('keeps the length bounds: 8 to 128 characters, never trimmed or truncated', () => {
    expect(PasswordSchema.safeParse('seven77').success).toBe(false);
    expect(PasswordSchema.safeParse('x'.repeat(129)).success).toBe(false);
    expect(PasswordSchema.safeParse('  spaced out  ')).toEqual({ success: true, data: '  spaced out  ' });
  });
});
