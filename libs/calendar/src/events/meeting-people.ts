import { Injectable } from '@nestjs/common';
import { CalendarRepository } from '../calendars/calendar.repository';

/** An attendee with an account: their account id (= their primary calendar's id) and address. */
export interface MeetingAccount {
  id: string;
  /** Lower-case. */
  email: string;
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
}
