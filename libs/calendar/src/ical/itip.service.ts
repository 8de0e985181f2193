import { Injectable } from '@nestjs/common';
import { UnprocessableError } from '@app/common';
import { roleAtLeast } from '../calendars/calendar-role';
import { CalendarAccessService } from '../calendars/calendar-access.service';
import type { EventResponse } from '../events/event.dto';
import type { EventRecord } from '../events/event.schema';
import { CalendarOwner, EventService } from '../events/event.service';
import { EventReadRepository } from '../sync/event-read.repository';
import { localToInstant } from '../time/zone';
import { ItipReplyItem, readItipReply } from './itip';

/**
 * Incoming iTIP: an attendee's REPLY (as their mail client sent it to the organizer) applied to the
 * organizer's meeting. The answer goes through the one RSVP path (EventService.rsvp, occurrence
 * scopes included), recorded as that attendee's; only the organizer (or a writer of the meeting's
 * calendar) may apply it, so the meeting is looked up by UID in the caller's writable calendars.
 */
@Injectable()
export class ItipService {
  constructor(
    private readonly access: CalendarAccessService,
    private readonly reads: EventReadRepository,
    private readonly events: EventService,
  ) {}

  /** Applies a METHOD:REPLY; 400 for a body that is not iCalendar, 422 for anything it cannot apply. */
  async applyReply(caller: CalendarOwner, text: string): Promise<EventResponse> {
    const items = readItipReply(text);
    const { uid, attendee } = items[0];
    if (items.some((i) => i.attendee !== attendee))
      throw new UnprocessableError('A REPLY carries the answer of one attendee.');
    const record = await this.meeting(caller, uid, attendee);
    // The whole meeting first, then single occurrences (a reply may carry both).
    const ordered = [...items].sort((a, b) => Number(!!a.recurrenceId) - Number(!!b.recurrenceId));
    // The answer is the attendee's own: rsvp records it for the address it is given.
    const asAttendee = { ...caller, email: attendee };
    for (const item of ordered) {
      const occurrenceStart = occurrenceOf(item, record);
      await this.events.rsvp(
        asAttendee,
        String(record._id),
        { response: item.response, comment: item.comment ?? null },
        occurrenceStart ? { scope: 'this', occurrenceStart } : { scope: 'all' },
      );
    }
    return this.events.get(caller, String(record._id));
  }

  /** The caller's meeting with this UID that invites `attendee`; 422 when there is none. */
  private async meeting(caller: CalendarOwner, uid: string, attendee: string): Promise<EventRecord> {
    const writable = (await this.access.visible(caller))
      .filter((v) => roleAtLeast(v.role, 'writer'))
      .map((v) => String(v.calendar._id));
    let known = false;
    // The primary calendar (whose id is the account's) first, even before its document exists.
    for (const calendarId of new Set([caller.id, ...writable])) {
      for (const record of await this.reads.liveByUids(calendarId, [uid])) {
        known = true;
        if ((record.attendeeEmails ?? []).includes(attendee) && record.organizer?.email !== attendee)
          return record;
      }
    }
    throw new UnprocessableError(
      known
        ? `${attendee} is not a guest of the meeting with UID ${uid}; nothing was changed.`
        : `No meeting with UID ${uid} in the calendars you organize; nothing was changed.`,
    );
  }
}

/** The occurrence a RECURRENCE-ID names, as an ISO instant (a local time is read in the event's zone). */
function occurrenceOf(item: ItipReplyItem, record: EventRecord): string | undefined {
  const rid = item.recurrenceId;
  if (!rid) return undefined;
  if (!record.recurrence)
    throw new UnprocessableError(
      `The REPLY names one occurrence (RECURRENCE-ID) of UID ${item.uid}, which does not repeat.`,
    );
  const instant = 'instant' in rid ? rid.instant : localToInstant(rid.local, record.timeZone).instant;
  return instant.toISOString();
}
