import { Injectable } from '@nestjs/common';
import { CalendarRepository } from '../calendars/calendar.repository';
import { ownReminders, responseOf } from './attendees';
import { EventSeries, toSeries } from './event.mapper';
import type { EventFields, EventRecord } from './event.schema';

/** An attendee with an account: their account id (= their primary calendar's id) and address. */
export interface MeetingAccount {
  id: string;
  /** Lower-case. */
  email: string;
}

/** One person reminded of an event, and the series as they are reminded of it. */
export interface ReminderPerson {
  /** Absent: the calendar's side (its subscriptions; the event's own reminders). Else an invited account. */
  account?: MeetingAccount;
  /** The event with this person's reminders on each occurrence (none on those they declined). */
  series: EventSeries;
}

/**
 * The events of `calendarId` and meetings elsewhere that `me` (lower-case) is invited to, as their
 * primary calendar shows them (export, feed, CalDAV): a declined meeting and their own meeting in
 * another calendar are left out; an invited meeting carries the attendee's own reminders, not the
 * organizer's.
 */
export function asOnPrimary(records: EventRecord[], calendarId: string, me: string): EventRecord[] {
  return records.flatMap((r) =>
    String(r.calendarId) === calendarId
      ? [r]
      : responseOf(r.attendees, me) === 'declined' || r.organizer?.email === me
        ? []
        : [{ ...r, reminders: ownReminders(r.attendees, me) ?? [] }],
  );
}

/**
 * The series as an attendee (`email`) is reminded of it: their `reminders` on every occurrence they
 * are invited to and have not declined, none on the others; the organizer's per-occurrence
 * reminders are not theirs.
 */
export function attendeeReminderSeries(base: EventSeries, email: string, reminders: number[]): EventSeries {
  const forAnswer = (list: EventFields['attendees']) => {
    const response = responseOf(list, email);
    return response && response !== 'declined' ? reminders : [];
  };
  return {
    ...base,
    fields: { ...(base.fields as EventFields), reminders: forAnswer(base.fields?.attendees) },
    overrides: (base.overrides ?? []).map((o) => {
      if (!o.fields) return o;
      const { reminders: _organizers, ...fields } = o.fields;
      return {
        ...o,
        fields: fields.attendees ? { ...fields, reminders: forAnswer(fields.attendees) } : fields,
      };
    }),
  };
}

/**
 * Who among a meeting's guests has an account here (their primary calendar, found by address), for
 * the parts that reach attendees outside the request: webhooks and reminders. Unknown addresses
 * (external guests) are simply absent.
 */
@Injectable()
export class MeetingPeople {
  constructor(private readonly calendars: CalendarRepository) {}

  async accounts(emails: readonly string[]): Promise<MeetingAccount[]> {
    if (emails.length === 0) return [];
    const found = await this.calendars.findPrimariesByEmails([...new Set(emails)]);
    return [...found.values()].map((c) => ({ id: String(c._id), email: c.ownerEmail }));
  }

  /**
   * Everyone reminded of the event, each once per occurrence: the calendar's side (the event's own
   * reminders, or the calendar's defaultReminders when it has none) and each invited account other
   * than the organizer and the calendar's owner (their own reminders, or their primary calendar's
   * defaultReminders when they set none), skipping what they declined.
   */
  async reminderPeople(record: EventRecord): Promise<ReminderPerson[]> {
    const base = toSeries(record);
    const calendarId = String(record.calendarId);
    // The calendar is read only when its defaults are needed (no query for an event with reminders).
    const own = record.reminders?.length
      ? record.reminders
      : ((await this.calendars.findOwnership(calendarId))?.defaultReminders ?? []);
    const people: ReminderPerson[] = [
      { series: { ...base, fields: { ...(base.fields as EventFields), reminders: own } } },
    ];
    const emails = (record.attendeeEmails ?? []).filter((e) => e !== record.organizer?.email);
    if (emails.length === 0) return people;
    for (const [email, primary] of await this.calendars.findPrimariesByEmails(emails)) {
      const id = String(primary._id);
      // The calendar's owner is its side already.
      if (id === calendarId || id === String(record.ownerId)) continue;
      const reminders = ownReminders(record.attendees, email) ?? primary.defaultReminders ?? [];
      people.push({ account: { id, email }, series: attendeeReminderSeries(base, email, reminders) });
    }
    return people;
  }
}
