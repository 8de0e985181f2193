import { WorkingHoursLike } from '../resolver/time-resolver';

/**
 * Free-slot search for `find_free` and `check`, and other people's free/busy for `check`, behind a
 * small interface: the shape of libs/calendar's `AvailabilityService.findSlots` and `freeBusy`
 * (busy = opaque occurrences and slot holds, working hours, a local-clock grid), which
 * AssistantModule provides for it.
 */

export interface SlotOwner {
  id: string;
  email: string;
  timeZone: string;
  workingHours: WorkingHoursLike;
}

export interface FreeSlotSearch {
  from: Date;
  to: Date;
  durationMinutes: number;
  /** Slot starts lie on this grid of the owner's local clock (default 30). */
  stepMinutes?: number;
  maxResults?: number;
  /** No slot starts before it. */
  now?: Date;
  /** The other people (email addresses): slots where everyone is free, in everyone's working hours. */
  attendees?: string[];
}

export interface FreeSlots {
  slots: { start: Date; end: Date }[];
  /** Why there is none (e.g. "fully_booked", "outside_working_hours"); null when there are slots. */
  reason: string | null;
  /** Attendees whose calendars the user cannot see (left out of the search). */
  notVisible: string[];
}

/** One person's busy time as free/busy answers it, or `notVisible` when the caller cannot see it. */
export interface PersonBusy {
  email: string;
  busy?: { start: string; end: string }[];
  error?: 'notVisible';
}

export interface FreeSlotFinder {
  findSlots(owner: SlotOwner, search: FreeSlotSearch): Promise<FreeSlots>;
  /** Each address's busy intervals in [from, to) (the cross-person free/busy of GET /v1/freebusy). */
  freeBusy(
    caller: { id: string; email: string; timeZone: string },
    from: Date,
    to: Date,
    zone: string,
    emails: string[],
  ): Promise<{ people: PersonBusy[] }>;
}

export const FREE_SLOT_FINDER = Symbol('FREE_SLOT_FINDER');
