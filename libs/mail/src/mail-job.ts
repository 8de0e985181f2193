import { createHash } from 'node:crypto';
import type { ItipMessage } from '@app/calendar';

/** One mail to one recipient, as queued (the text/calendar part included: what was decided at the write). */
export interface MailJob {
  /** What the mail is, for logs: an invitation (iTIP) or a reminder. */
  kind: 'itip' | 'reminder';
  to: string;
  subject: string;
  text: string;
  /** Where answers go (an invitation's organizer). */
  replyTo?: string;
  /** The iMIP part (RFC 6047): text/calendar; method=… */
  ical?: { method: string; content: string };
}

const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/**
 * Deterministic job ids (BullMQ ids may not contain ':'): a write retried, or planned twice, is one
 * job, so nobody is mailed twice for one (event, SEQUENCE, method, recipient) or one reminder.
 */
export const itipJobId = (m: Pick<ItipMessage, 'eventId' | 'sequence' | 'method'>, to: string) =>
  `itip_${m.eventId}_${m.sequence}_${m.method}_${short(to)}`;
export const reminderMailJobId = (reminderKey: string, to: string) =>
  `remmail_${short(reminderKey)}_${short(to)}`;

/** The mails of an iTIP message: one per recipient, From the app, Reply-To the organizer. */
export function itipMails(m: ItipMessage): { id: string; job: MailJob }[] {
  const subject =
    m.method === 'CANCEL'
      ? `Cancelled: ${m.title} @ ${m.when}`
      : `${m.first ? 'Invitation' : 'Updated invitation'}: ${m.title} @ ${m.when}`;
  const organizer = m.organizer.name ? `${m.organizer.name} <${m.organizer.email}>` : m.organizer.email;
  const text =
    m.method === 'CANCEL'
      ? `${organizer} cancelled "${m.title}" (${m.when}).\n`
      : `${organizer} invites you to "${m.title}" on ${m.when}.\n\n` +
        'Answer with your calendar application (the invitation is attached); the answer goes to the organizer.\n';
  return m.to.map((to) => ({
    id: itipJobId(m, to),
    job: {
      kind: 'itip',
      to,
      subject,
      text,
      replyTo: m.organizer.email,
      ical: { method: m.method, content: m.ics },
    },
  }));
}
