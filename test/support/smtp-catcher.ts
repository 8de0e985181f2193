import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail the catcher received: the envelope, the raw message and its parsed form. */
export interface CaughtMail {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
  /** The text/calendar part (iMIP), when there is one: its METHOD parameter and its text. */
  calendar?: { method?: string; text: string };
}

export interface SmtpCatcher {
  /** smtp://127.0.0.1:<port> — plain text, no auth, for SMTP_URL. */
  url: string;
  mails: CaughtMail[];
  /** Mails to `address` (envelope recipient), oldest first. */
  to(address: string): CaughtMail[];
  close(): Promise<void>;
}

/** A real SMTP server (the smtp-server package) on a free loopback port, keeping every mail it gets. */
export async function startSmtpCatcher(): Promise<SmtpCatcher> {
  const mails: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            const part = parsed.attachments.find((a) => a.contentType === 'text/calendar');
            const method = /text\/calendar;[^\r\n]*method=([A-Z]+)/i.exec(raw)?.[1];
            mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              raw,
              parsed,
              ...(part ? { calendar: { method, text: part.content.toString('utf8') } } : {}),
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    to: (address) => mails.filter((m) => m.to.includes(address.toLowerCase())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
