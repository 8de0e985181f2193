import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { createTransport, type Transporter } from 'nodemailer';
import type { MailJob } from './mail-job';

/** Bounds of one SMTP conversation, so a dead server fails a job instead of holding a worker. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** The result of `verify`, in the shape of `ops check dependencies`' other rows. */
export interface SmtpCheck {
  name: 'smtp';
  state: 'connected' | 'disconnected';
  critical: false;
  latencyMs?: number;
  message?: string;
}

/**
 * The SMTP connection (nodemailer) to SMTP_URL: sends one mail, and checks that the server answers
 * (connect, EHLO, STARTTLS/AUTH as configured: nodemailer's verify()). SMTP_URL may hold credentials,
 * so it is never logged, and every error message leaves here with them masked.
 */
@Injectable()
export class MailTransport implements OnModuleDestroy {
  private readonly logger = new Logger(MailTransport.name);
  private transporter?: Transporter;
  private readonly secrets: string[];

  constructor(private readonly config: AppConfig) {
    this.secrets = secretsOf(config.mail.smtpUrl);
  }

  get configured(): boolean {
    return !!this.config.mail.smtpUrl;
  }

  /** SMTP_URL with any user and password masked: what logs and checks may show. */
  get safeUrl(): string | undefined {
    return redactUrl(this.config.mail.smtpUrl);
  }

  async send(job: MailJob): Promise<void> {
    await this.transport().sendMail({
      from: this.config.mail.from,
      to: job.to,
      subject: job.subject,
      text: job.text,
      ...(job.replyTo ? { replyTo: job.replyTo } : {}),
      // iMIP: a text/calendar alternative with its METHOD, and the same object attached as invite.ics.
      ...(job.ical
        ? { icalEvent: { method: job.ical.method, filename: 'invite.ics', content: job.ical.content } }
        : {}),
    });
  }

  /** Connects, says EHLO (and STARTTLS / AUTH when configured), and reports; never throws. */
  async verify(): Promise<SmtpCheck> {
    if (!this.configured)
      return { name: 'smtp', state: 'disconnected', critical: false, message: 'SMTP_URL is not set' };
    const started = Date.now();
    try {
      await this.transport().verify();
      return {
        name: 'smtp',
        state: 'connected',
        critical: false,
        latencyMs: Date.now() - started,
        message: this.safeUrl,
      };
    } catch (err) {
      return { name: 'smtp', state: 'disconnected', critical: false, message: this.scrub(err) };
    }
  }

  /** An error's message with the credentials of SMTP_URL masked. */
  scrub(err: unknown): string {
    let message = err instanceof Error ? err.message : String(err);
    for (const s of this.secrets) message = message.split(s).join('***');
    return message;
  }

  onModuleDestroy(): void {
    this.transporter?.close();
  }

  private transport(): Transporter {
    const url = this.config.mail.smtpUrl;
    if (!url) throw new Error('SMTP_URL is not set');
    if (!this.transporter) {
      this.transporter = createTransport({ url, ...TIMEOUTS, logger: false });
      this.logger.log(`mail goes through ${this.safeUrl}`);
    }
    return this.transporter;
  }
}

/** smtp://user:pass@host:port → smtp://***:***@host:port (undefined stays undefined). */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  try {
    const u = new URL(url);
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable SMTP_URL)';
  }
}

/** The user and password of the URL, raw and decoded (either may appear in an error message). */
function secretsOf(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    const raw = [u.username, u.password].filter((s) => s.length >= 3);
    return [...new Set([...raw, ...raw.map((s) => decodeURIComponent(s))])];
  } catch {
    return [];
  }
}
