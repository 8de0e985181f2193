/**
 * Google Calendar's access roles, each including the ones before it: `freeBusyReader` sees busy
 * intervals only, `reader` the events (a private event as busy only), `writer` creates, edits and
 * deletes events, `owner` also changes the calendar's settings and its sharing.
 */
export const CALENDAR_ROLES = ['freeBusyReader', 'reader', 'writer', 'owner'] as const;
export type CalendarRole = (typeof CALENDAR_ROLES)[number];

const RANK: Record<CalendarRole, number> = { freeBusyReader: 1, reader: 2, writer: 3, owner: 4 };

export const roleAtLeast = (role: CalendarRole, needed: CalendarRole): boolean => RANK[role] >= RANK[needed];

export const higherRole = (a: CalendarRole | null, b: CalendarRole | null): CalendarRole | null =>
  !a ? b : !b ? a : RANK[a] >= RANK[b] ? a : b;

/** The caller of a calendar operation: who they are, and the zone their answers are in by default. */
export interface Caller {
  id: string;
  email: string;
  timeZone: string;
}

/** The id that names the caller's own primary calendar wherever a calendar id is accepted. */
export const PRIMARY = 'primary';
