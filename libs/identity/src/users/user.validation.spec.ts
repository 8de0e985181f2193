import {
  canonicalTimeZone,
  EmailSchema,
  NameSchema,
  PasswordSchema,
  TimeZoneSchema,
} from './user.validation';

describe('account field validation', () => {
  it('normalises emails to trimmed lower case and refuses non-emails', () => {
    expect(EmailSchema.parse('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
    for (const bad of ['', 'ada', 'ada@', '@example.com', 'ada@example', `${'a'.repeat(250)}@example.com`]) {
      expect(EmailSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('accepts passwords of 8 to 128 characters, unchanged', () => {
    expect(PasswordSchema.parse(' 8 chars')).toBe(' 8 chars');
    expect(PasswordSchema.safeParse('7 chars').success).toBe(false);
    expect(PasswordSchema.safeParse('x'.repeat(128)).success).toBe(true);
    expect(PasswordSchema.safeParse('x'.repeat(129)).success).toBe(false);
  });

  it('trims names and requires 1 to 100 characters', () => {
    expect(NameSchema.parse('  Ada  ')).toBe('Ada');
    expect(NameSchema.safeParse('   ').success).toBe(false);
    expect(NameSchema.safeParse('n'.repeat(100)).success).toBe(true);
    expect(NameSchema.safeParse('n'.repeat(101)).success).toBe(false);
  });

  it('accepts IANA zones in their canonical spelling', () => {
    expect(TimeZoneSchema.parse('Europe/Berlin')).toBe('Europe/Berlin');
    expect(TimeZoneSchema.parse('europe/berlin')).toBe('Europe/Berlin');
    expect(TimeZoneSchema.parse('UTC')).toBe('UTC');
    expect(TimeZoneSchema.parse('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(TimeZoneSchema.parse('Asia/Kolkata')).toBe('Asia/Kolkata');
    // Aliases Intl does not list keep the spelling given; they stay valid zones.
    expect(TimeZoneSchema.parse('asia/kolkata')).toBe('asia/kolkata');
    expect(TimeZoneSchema.parse('Asia/Calcutta')).toBe('Asia/Calcutta');
  });

  it.each(['', 'Mars/Olympus_Mons', '+02:00', 'GMT+2:00', 'Europe/', 'Europe/Berlin ', 'x'.repeat(65)])(
    'refuses the zone %j',
    (zone) => {
      expect(canonicalTimeZone(zone)).toBeNull();
      const result = TimeZoneSchema.safeParse(zone);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0].message).toBe('must be a valid IANA time zone such as Europe/Berlin');
    },
  );
});
