import { Injectable, Optional } from '@nestjs/common';
import { PeopleDirectory } from '../availability/people-directory';
import { AclRepository } from '../calendars/acl.repository';
import type { Caller } from '../calendars/calendar-role';
import { CalendarRepository } from '../calendars/calendar.repository';
import { EventRepository } from '../events/event.repository';
import { ContactResponse, ContactSource, MAX_CONTACTS } from './contacts.dto';

/** How many recent events of each kind (own, invited to) are read for guest lists. */
const EVENTS_READ = 500;

/**
 * The people a user knows, computed when asked (no copy to drift): accounts they share a calendar
 * with either way (calendar_acl rules, by address), the organizers and guests of meetings they are
 * invited to, and the guests they invited. Names come from the accounts (identity, through
 * PeopleDirectory) or else from the guest lists. Never a title or time: only who.
 */
@Injectable()
export class ContactsService {
  constructor(
    private readonly acl: AclRepository,
    private readonly calendars: CalendarRepository,
    private readonly events: EventRepository,
    /** Bound by the API (identity's users); without it, names come from guest lists only. */
    @Optional() private readonly people?: PeopleDirectory,
  ) {}

  /** Everyone the caller knows whose name or address contains `q` (case-insensitive), at most 50. */
  async list(caller: Caller, q?: string): Promise<ContactResponse[]> {
    const all = await this.all(caller);
    const needle = q?.trim().toLowerCase();
    return (
      needle
        ? all.filter((c) => c.email.includes(needle) || (c.name ?? '').toLowerCase().includes(needle))
        : all
    ).slice(0, MAX_CONTACTS);
  }

  /** Everyone the caller knows, by name (unnamed last) then address. */
  async all(caller: Caller): Promise<ContactResponse[]> {
    const me = caller.email.toLowerCase();
    const found = new Map<string, { name: string | null; sources: Set<ContactSource> }>();
    const add = (email: string | undefined | null, source: ContactSource, name?: string | null) => {
      const e = email?.trim().toLowerCase();
      if (!e || e === me) return;
      const entry = found.get(e) ?? { name: null, sources: new Set<ContactSource>() };
      entry.sources.add(source);
      if (!entry.name && name) entry.name = name;
      found.set(e, entry);
    };

    const [owned, sharedWithMe] = await Promise.all([
      this.calendars.listOwned(caller.id),
      this.acl.forEmail(me),
    ]);
    const ownedIds = owned.map((c) => String(c._id));
    const [rulesOnMine, sharedCalendars, meetings] = await Promise.all([
      Promise.all(ownedIds.map((id) => this.acl.list(id))),
      this.calendars.findByIds(sharedWithMe.map((r) => r.calendarId)),
      this.events.meetingPeople(ownedIds, me, EVENTS_READ),
    ]);
    for (const rule of rulesOnMine.flat()) add(rule.email, 'calendar');
    for (const calendar of sharedCalendars)
      add(calendar.ownerEmail, 'calendar', calendar.primary ? calendar.name : null);
    for (const event of meetings) {
      const invitedMe = (event.attendees ?? []).some((a) => a.email === me) && event.organizer?.email !== me;
      if (invitedMe) add(event.organizer?.email, 'meeting', event.organizer?.name);
      for (const a of event.attendees ?? []) {
        if (a.email === event.organizer?.email && !invitedMe) continue;
        add(a.email, invitedMe ? 'meeting' : 'invited', a.name);
      }
    }

    // Account names win over what a guest list says.
    const accounts = this.people ? await this.people.findByEmails([...found.keys()]) : [];
    for (const person of accounts) {
      const entry = found.get(person.email);
      if (entry && person.name) entry.name = person.name;
    }
    return [...found]
      .map(([email, { name, sources }]) => ({
        email,
        name,
        sources: (['calendar', 'meeting', 'invited'] as const).filter((s) => sources.has(s)),
      }))
      .sort(
        (a, b) =>
          Number(a.name === null) - Number(b.name === null) ||
          (a.name ?? '').localeCompare(b.name ?? '') ||
          a.email.localeCompare(b.email),
      );
  }
}
