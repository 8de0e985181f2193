import { createHash } from 'node:crypto';
import { instantToLocal, type ItipMessage } from '@app/calendar';

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

/** What a reminder mail says (the reminder lib's notice, structurally). */
export interface ReminderMailNotice {
  eventId: string;
  originalStart: number;
  start: number;
  minutesBefore: number;
  late: boolean;
}

/**
 * A reminder by email to one person: one mail per (event, occurrence, minutes before, recipient),
 * whichever replica fires it or however often its job is retried.
 */
export function reminderMail(
  to: string,
  event: { title: string; timeZone: string; location?: string | null },
  notice: ReminderMailNotice,
): { id: string; job: MailJob } {
  const when = `${instantToLocal(new Date(notice.start), event.timeZone).local.slice(0, 16).replace('T', ' ')} (${event.timeZone})`;
  const lead =
    notice.minutesBefore === 0
      ? 'now'
      : notice.late
        ? 'soon (this reminder is late)'
        : `in ${notice.minutesBefore} min`;
  return {
    id: reminderMailJobId(`${notice.eventId}_${notice.originalStart}_${notice.minutesBefore}`, to),
    job: {
      kind: 'reminder',
      to,
      subject: `Reminder: ${event.title} @ ${when}`,
      text: `"${event.title}" starts ${lead}: ${when}${event.location ? `, ${event.location}` : ''}.\n`,
    },
  };
}
