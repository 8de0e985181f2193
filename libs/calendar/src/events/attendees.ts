import type { CalendarGrant } from '../calendars/calendar-access.service';
import type { Caller } from '../calendars/calendar-role';
import type { CalendarRepository } from '../calendars/calendar.repository';

/**
 * Meetings: an event's organizer and attendees, each attendee with their own response. One event
 * carries every attendee's state (no per-attendee copies that could drift); `self` is computed per
 * caller when answering, never stored.
 */

export const RESPONSE_STATUSES = ['needsAction', 'accepted', 'declined', 'tentative'] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];
/** What an attendee may answer (RSVP): needsAction is only ever set by the organizer's changes. */
export const RSVP_RESPONSES = ['accepted', 'declined', 'tentative'] as const;
export type RsvpResponse = (typeof RSVP_RESPONSES)[number];

export const MAX_ATTENDEES = 200;

/** An attendee as stored (addresses lower-case). */
export interface Attendee {
  email: string;
  name?: string | null;
  optional?: boolean;
  responseStatus: ResponseStatus;
  comment?: string | null;
  /**
   * The attendee's own reminders of the meeting (minutes before), set by them; absent: their
   * primary calendar's defaultReminders. Never shown to anyone else.
   */
  reminders?: number[];
}

/** The event's organizer as stored: the owner of the calendar the meeting was created in. */
export interface Organizer {
  email: string;
  name?: string | null;
}

/**
 * The organizer of a meeting made in the calendar of `grant`: that calendar's owner (the caller on
 * their own calendars, without a query). Null when the calendar is gone.
 */
export async function organizerOf(
  caller: Caller,
  grant: Pick<CalendarGrant, 'calendarId' | 'ownerId'>,
  calendars: Pick<CalendarRepository, 'findOwnership'>,
): Promise<Organizer | null> {
  if (grant.ownerId === caller.id) return { email: caller.email.toLowerCase() };
  const calendar = await calendars.findOwnership(grant.calendarId);
  return calendar ? { email: calendar.ownerEmail } : null;
}

/** An attendee as a client writes one: an address, or `{email, optional?, name?}`. */
export type AttendeeInput = string | { email: string; optional?: boolean; name?: string | null };

const emailOf = (a: AttendeeInput): string => (typeof a === 'string' ? a : a.email).trim().toLowerCase();

/**
 * The attendee list after a write: addresses deduplicated (lower-case), the ones already invited
 * keep their response, name and comment, new ones start at needsAction, and the organizer is listed
 * first as accepted. No guests at all means no attendees (a plain event, not a meeting).
 */
export function mergeAttendees(
  organizer: Organizer | null,
  input: readonly AttendeeInput[],
  previous: readonly Attendee[] = [],
): Attendee[] {
  const before = new Map(previous.map((a) => [a.email, a]));
  const out = new Map<string, Attendee>();
  for (const item of input) {
    const email = emailOf(item);
    if (out.has(email)) continue;
    const old = before.get(email);
    const given: Exclude<AttendeeInput, string> | Record<string, never> =
      typeof item === 'string' ? {} : item;
    out.set(
      email,
      stripUndefined({
        email,
        name: given.name ?? old?.name ?? undefined,
        optional: given.optional ?? old?.optional ?? false,
        responseStatus: old?.responseStatus ?? (email === organizer?.email ? 'accepted' : 'needsAction'),
        comment: old?.comment ?? undefined,
        reminders: old?.reminders ?? undefined,
      }),
    );
  }
  return withOrganizer(organizer, [...out.values()]);
}

/** The organizer listed (first, accepted) whenever there is anyone else; nobody else: no attendees. */
export function withOrganizer(organizer: Organizer | null, attendees: Attendee[]): Attendee[] {
  if (!organizer?.email) return attendees;
  const others = attendees.filter((a) => a.email !== organizer.email);
  if (others.length === 0) return [];
  const own = attendees.find((a) => a.email === organizer.email);
  return [
    stripUndefined({
      ...own,
      email: organizer.email,
      name: own?.name ?? organizer.name ?? undefined,
      optional: false,
      responseStatus: own?.responseStatus ?? 'accepted',
    }),
    ...others,
  ];
}

/** After the organizer moves a meeting: everyone but the organizer has to answer again. */
export function resetResponses(organizer: Organizer | null, attendees: readonly Attendee[]): Attendee[] {
  return attendees.map((a) =>
    a.email === organizer?.email
      ? a
      : stripUndefined({ ...a, responseStatus: 'needsAction' as const, comment: undefined }),
  );
}

/** The list with `email`'s answer set (unchanged when they are not in it). */
export function withResponse(
  attendees: readonly Attendee[],
  email: string,
  response: ResponseStatus,
  comment?: string | null,
): Attendee[] {
  return attendees.map((a) =>
    a.email === email ? stripUndefined({ ...a, responseStatus: response, comment: comment ?? undefined }) : a,
  );
}

/** The list with `email`'s own reminders set (null: their calendar's defaults again). */
export function withReminders(
  attendees: readonly Attendee[],
  email: string,
  reminders: number[] | null,
): Attendee[] {
  return attendees.map((a) =>
    a.email === email
      ? stripUndefined({ ...a, reminders: reminders ? [...new Set(reminders)] : undefined })
      : a,
  );
}

/** `email`'s own reminders of the meeting, or undefined when they set none (or are not invited). */
export const ownReminders = (
  attendees: readonly Attendee[] | undefined,
  email: string,
): number[] | undefined => attendees?.find((a) => a.email === email)?.reminders;

/** `email`'s answer in the list, or undefined when they are not invited. */
export const responseOf = (
  attendees: readonly Attendee[] | undefined,
  email: string,
): ResponseStatus | undefined => attendees?.find((a) => a.email === email)?.responseStatus;

/** Every address invited anywhere in the event (series and per-occurrence lists): what the index holds. */
export function attendeeEmailsOf(lists: readonly (readonly Attendee[] | undefined)[]): string[] {
  const all = new Set<string>();
  for (const list of lists) for (const a of list ?? []) all.add(a.email);
  return [...all];
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
