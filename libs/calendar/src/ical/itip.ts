import { UnprocessableError, ValidationError } from '@app/common';
import type { Organizer, RsvpResponse } from '../events/attendees';
import type { EventRecord } from '../events/event.schema';
import { instantToLocal, isValidTimeZone, localToInstant } from '../time/zone';
import ICAL from './ical';
import { ItipMethod, writeCalendar } from './ics-writer';

/**
 * iTIP (RFC 5546) for meetings, as sent over iMIP (RFC 6047): which messages an organizer's write
 * sends to whom, and reading an attendee's REPLY. Pure: the mail lib queues and sends what this plans.
 *
 * Who is mailed: every invited address but the organizer's (`attendeeEmails`, so an imported copy of
 * someone else's meeting, which invites nobody, mails nobody). Guests with an account get the mail
 * too, as with every calendar service: it is how their own mail client learns of the meeting, and
 * telling accounts from outsiders would cost a lookup per write for no difference in correctness.
 */

/** One iTIP message: the same calendar object goes to each recipient (one mail, one job each). */
export interface ItipMessage {
  method: ItipMethod;
  eventId: string;
  uid: string;
  /** SEQUENCE of the message: with `method` and the recipient, what makes a mail unique. */
  sequence: number;
  /** Lower-case addresses. */
  to: string[];
  organizer: Organizer;
  title: string;
  /** The start as people read it: `2026-12-10 10:00 (Europe/Berlin)` or `2026-12-10 (all day)`. */
  when: string;
  /** True for the first REQUEST of a meeting (an invitation rather than an update). */
  first: boolean;
  /** The text/calendar part, METHOD included. */
  ics: string;
}

/** A write the organizer's side made: the stored event after it (a tombstone for a delete) and before. */
export interface ItipChange {
  type: 'created' | 'updated' | 'deleted';
  record: EventRecord;
  previous?: EventRecord;
}

const guestsOf = (r: EventRecord | undefined): string[] => {
  const organizer = r?.organizer?.email;
  return organizer ? (r.attendeeEmails ?? []).filter((e) => e !== organizer) : [];
};

/**
 * The messages of one write: a new meeting → REQUEST to every guest; a change that raised SEQUENCE
 * (time, place, title or guests) → REQUEST with the new SEQUENCE to every guest, and CANCEL to each
 * guest it removed; a cancellation (delete) → CANCEL to every guest. A write that left SEQUENCE alone
 * (an RSVP, the organizer's own reminders) sends nothing.
 */
export function planItip(change: ItipChange, now = new Date()): ItipMessage[] {
  const { record, previous } = change;
  const organizer = record.organizer;
  if (!organizer?.email) return [];
  const message = (method: ItipMethod, r: EventRecord, to: string[], first = false): ItipMessage => ({
    method,
    eventId: String(r._id),
    uid: r.uid,
    sequence: r.sequence ?? 0,
    to,
    organizer,
    title: r.title,
    when: whenOf(r),
    first,
    ics: writeCalendar([r], { mode: 'full', method, now }),
  });
  const cancelled = change.type === 'deleted' || !!record.deletedAt;
  if (cancelled) {
    const guests = guestsOf(record);
    // A cancellation is an organizer change: its SEQUENCE is above the last invitation's.
    const tombstone = { ...record, sequence: (record.sequence ?? 0) + 1 };
    return guests.length ? [message('CANCEL', tombstone, guests)] : [];
  }
  const guests = guestsOf(record);
  if (change.type === 'created')
    return guests.length ? [message('REQUEST', record, guests, (record.sequence ?? 0) === 0)] : [];
  if (!previous || (previous.sequence ?? 0) === (record.sequence ?? 0)) return [];
  const out: ItipMessage[] = [];
  if (guests.length) out.push(message('REQUEST', record, guests));
  const stay = new Set(guests);
  const removed = guestsOf(previous).filter((e) => !stay.has(e));
  if (removed.length) {
    const gone = new Set([...removed, organizer.email]);
    const uninvited: EventRecord = {
      ...previous,
      sequence: record.sequence,
      attendees: (previous.attendees ?? []).filter((a) => gone.has(a.email)),
    };
    out.push(message('CANCEL', uninvited, removed));
  }
  return out;
}

function whenOf(r: EventRecord): string {
  if (r.allDay) return `${r.startDate} (all day)`;
  return `${instantToLocal(r.start, r.timeZone).local.slice(0, 16).replace('T', ' ')} (${r.timeZone})`;
}

/** One answer of a REPLY: to the whole meeting, or (with `recurrenceId`) to one occurrence. */
export interface ItipReplyItem {
  uid: string;
  /** The answering attendee, lower-case. */
  attendee: string;
  response: RsvpResponse;
  comment?: string;
  /** RECURRENCE-ID: an instant, or a local time / date to read in the event's zone. */
  recurrenceId?: { instant: Date } | { local: string };
}

const PARTSTAT_RESPONSE: Record<string, RsvpResponse> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
};

/**
 * Reads an iTIP REPLY (RFC 5546 §3.2.3): METHOD:REPLY, one or more VEVENTs of one UID, each with the
 * one ATTENDEE answering and their PARTSTAT (ACCEPTED, DECLINED or TENTATIVE). Not iCalendar → 400;
 * valid iCalendar that is not such a reply → 422, each naming the problem.
 */
export function readItipReply(text: string): ItipReplyItem[] {
  if (!/^\s*BEGIN:VCALENDAR/i.test(text))
    throw new ValidationError('The body is not iCalendar: it must start with BEGIN:VCALENDAR.', [
      { field: 'body', message: 'not iCalendar' },
    ]);
  let cal: InstanceType<typeof ICAL.Component>;
  try {
    cal = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (err) {
    throw new ValidationError(`Invalid iCalendar: ${(err as Error).message}`, [
      { field: 'body', message: (err as Error).message },
    ]);
  }
  const method = String(cal.getFirstPropertyValue('method') ?? '').toUpperCase();
  if (method !== 'REPLY')
    throw new UnprocessableError(
      `Only an iTIP REPLY is accepted here (METHOD:REPLY); this one is ${method ? `METHOD:${method}` : 'without METHOD'}.`,
    );
  const vevents = cal.getAllSubcomponents('vevent');
  if (vevents.length === 0) throw new UnprocessableError('The REPLY has no VEVENT.');
  if (vevents.length > 100) throw new UnprocessableError('A REPLY answers at most 100 occurrences.');
  const items = vevents.map((v) => {
    const uid = String(v.getFirstPropertyValue('uid') ?? '').trim();
    if (!uid) throw new UnprocessableError('A VEVENT of the REPLY has no UID.');
    const attendees = v.getAllProperties('attendee');
    if (attendees.length !== 1)
      throw new UnprocessableError(
        `A REPLY names exactly one ATTENDEE (the one answering); UID ${uid} has ${attendees.length}.`,
      );
    const attendee = String(attendees[0].getFirstValue() ?? '')
      .replace(/^mailto:/i, '')
      .trim()
      .toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(attendee))
      throw new UnprocessableError(`The ATTENDEE of UID ${uid} is not a mailto: address.`);
    const partstat = String(attendees[0].getParameter('partstat') ?? '').toUpperCase();
    const response = PARTSTAT_RESPONSE[partstat];
    if (!response)
      throw new UnprocessableError(
        `The ATTENDEE's PARTSTAT must be ACCEPTED, DECLINED or TENTATIVE (got ${partstat || 'none'}).`,
      );
    const comment = v.getFirstPropertyValue('comment');
    const item: ItipReplyItem = {
      uid,
      attendee,
      response,
      ...(comment ? { comment: String(comment).slice(0, 1000) } : {}),
    };
    const rid = v.getFirstProperty('recurrence-id');
    if (rid) item.recurrenceId = recurrenceIdOf(rid);
    return item;
  });
  const uids = new Set(items.map((i) => i.uid));
  if (uids.size > 1) throw new UnprocessableError('A REPLY answers one meeting (one UID).');
  return items;
}

function recurrenceIdOf(p: InstanceType<typeof ICAL.Property>): ItipReplyItem['recurrenceId'] {
  const t = p.getFirstValue() as InstanceType<typeof ICAL.Time> | null;
  if (!t || typeof t !== 'object' || !('year' in t))
    throw new UnprocessableError('RECURRENCE-ID is not a date or date-time.');
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  if (t.isDate) return { local: `${date}T00:00:00` };
  if (t.zone === ICAL.Timezone.utcTimezone)
    return { instant: new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second)) };
  const local = `${date}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
  const tzid = p.getParameter('tzid');
  const zone = typeof tzid === 'string' && isValidTimeZone(tzid) ? tzid : undefined;
  return zone ? { instant: localToInstant(local, zone).instant } : { local };
}
