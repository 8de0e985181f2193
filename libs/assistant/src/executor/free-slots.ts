import { WorkingHoursLike } from '../resolver/time-resolver';

/**
 * Free-slot search for `find_free`, behind a small interface: the shape of libs/calendar's
 * `AvailabilityService.findSlots` (busy = opaque occurrences and slot holds, working hours, a
 * local-clock grid), which AssistantModule provides for it.
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

export interface FreeSlotFinder {
  findSlots(owner: SlotOwner, search: FreeSlotSearch): Promise<FreeSlots>;
}

export const FREE_SLOT_FINDER = Symbol('FREE_SLOT_FINDER');
