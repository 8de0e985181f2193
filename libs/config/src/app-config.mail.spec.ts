import { AppConfig, ConfigError } from './app-config';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/calendar', REDIS_URL: 'redis://127.0.0.1:6390' };

function problem(env: Record<string, string>): string {
  try {
    AppConfig.fromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('AppConfig: mail (SMTP_URL, MAIL_FROM)', () => {
  it('sends no mail by default, with a default From', () => {
    const config = AppConfig.fromEnv(base);
    expect(config.mail.smtpUrl).toBeUndefined();
    expect(config.mail.from).toMatch(/<.+@.+>$/);
  });

  it('takes smtp:// and smtps:// URLs and a From as an address or "Name <address>"', () => {
    const url = 'smtps://mailer:secret@smtp.example.com:465';
    expect(AppConfig.fromEnv({ ...base, SMTP_URL: url }).mail.smtpUrl).toBe(url);
    expect(AppConfig.fromEnv({ ...base, MAIL_FROM: 'cal@example.com' }).mail.from).toBe('cal@example.com');
    expect(AppConfig.fromEnv({ ...base, MAIL_FROM: 'Calendar <cal@example.com>' }).mail.from).toBe(
      'Calendar <cal@example.com>',
    );
  });

  it('refuses another scheme without echoing the URL (it may hold a password), and a From that is no address', () => {
    const message = problem({ ...base, SMTP_URL: 'http://mailer:hunter2@smtp.example.com' });
    expect(message).toBe('SMTP_URL must be a URL starting with smtp:// or smtps://');
    expect(message).not.toContain('hunter2');
    expect(problem({ ...base, MAIL_FROM: 'calendar' })).toMatch(
      /^MAIL_FROM must be an email address or "Name <address>"/,
    );
  });
});
