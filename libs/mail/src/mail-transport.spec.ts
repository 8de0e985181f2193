import { AppConfig } from '@app/config';
import { itipJobId, reminderMail } from './mail-job';
import { MailTransport, redactUrl } from './mail-transport';

const config = (smtpUrl?: string) => ({ mail: { smtpUrl, from: 'x@example.test' } }) as unknown as AppConfig;

describe('mail transport secrets', () => {
  it('redacts the user and password of SMTP_URL', () => {
    expect(redactUrl('smtps://mailer:p%40ss-word@smtp.example.com:465')).toBe(
      'smtps://***:***@smtp.example.com:465',
    );
    expect(redactUrl('smtp://127.0.0.1:1025')).toBe('smtp://127.0.0.1:1025');
    expect(redactUrl(undefined)).toBeUndefined();
  });

  it('masks the credentials in error messages, raw and decoded', () => {
    const t = new MailTransport(config('smtp://mailer:p%40ss-word@smtp.example.com'));
    expect(t.scrub(new Error('535 auth failed for mailer with p@ss-word (p%40ss-word)'))).toBe(
      '535 auth failed for *** with *** (***)',
    );
  });

  it('is off without SMTP_URL, and verify says so without connecting', async () => {
    const t = new MailTransport(config());
    expect(t.configured).toBe(false);
    await expect(t.verify()).resolves.toMatchObject({ name: 'smtp', state: 'disconnected' });
  });
});

describe('mail job ids', () => {
  it('are deterministic per event, SEQUENCE, method and recipient, and contain no colon', () => {
    const a = itipJobId({ eventId: 'e1', sequence: 2, method: 'REQUEST' }, 'c@y.test');
    expect(a).toBe(itipJobId({ eventId: 'e1', sequence: 2, method: 'REQUEST' }, 'c@y.test'));
    expect(a).not.toBe(itipJobId({ eventId: 'e1', sequence: 3, method: 'REQUEST' }, 'c@y.test'));
    expect(a).not.toBe(itipJobId({ eventId: 'e1', sequence: 2, method: 'CANCEL' }, 'c@y.test'));
    expect(a).not.toContain(':');
    const notice = { eventId: 'e1', originalStart: 1, start: 1, minutesBefore: 5, late: false };
    const event = { title: 'T', timeZone: 'UTC' };
    expect(reminderMail('a@x.test', event, notice).id).toBe(reminderMail('a@x.test', event, notice).id);
    expect(reminderMail('a@x.test', event, notice).id).not.toContain(':');
  });
});
