import type { TimingView } from '@app/assistant';
import type { EventResponse, FreeBusyResponse, OccurrenceResponse } from '@app/calendar';

/** A time as an agent needs it: the UTC instant, the wall-clock reading and the zone it is read in. */
export interface TimeView {
  utc: string;
  local: string;
  timeZone: string;
}
/** An all-day bound: a date (the end is exclusive). */
export interface DateView {
  date: string;
}

/** Anything timed as the API answers it: UTC instants, local times, dates when all-day. */
type Timed = TimingView;

/** Start and end of an event or occurrence: instants with local readings, or dates when all-day. */
export function when(t: Timed, zone: string): { start: TimeView | DateView; end: TimeView | DateView } {
  if (t.allDay && t.startDate && t.endDate) return { start: { date: t.startDate }, end: { date: t.endDate } };
  return {
    start: { utc: t.start, local: t.startLocal, timeZone: zone },
    end: { utc: t.end, local: t.endLocal, timeZone: zone },
  };
}

/** One occurrence of list_events: a recurring one is named by its series id and original start. */
export function occurrenceView(o: OccurrenceResponse, zone: string) {
  return {
    seriesId: o.seriesId,
    ...(o.recurring ? { originalStart: o.originalStart } : {}),
    recurring: o.recurring,
    calendarId: o.calendarId,
    title: o.title,
    location: o.location,
    allDay: o.allDay,
    ...when(o, zone),
    ...(o.responseStatus ? { responseStatus: o.responseStatus } : {}),
    ...(o.attendeeCount ? { attendeeCount: o.attendeeCount } : {}),
  };
}

/** An event as stored (get_event, create_event, respond_to_invitation). */
export function eventView(e: EventResponse, zone: string) {
  return {
    id: e.id,
    calendarId: e.calendarId,
    title: e.title,
    description: e.description,
    location: e.location,
    allDay: e.allDay,
    ...when(e, zone),
    eventTimeZone: e.timeZone,
    recurrence: e.recurrence,
    organizer: e.organizer?.email ?? null,
    attendees: e.attendees.map((a) => ({ email: a.email, responseStatus: a.responseStatus })),
    ...(e.responseStatus ? { responseStatus: e.responseStatus } : {}),
    etag: e.etag,
  };
}

type Busy = NonNullable<FreeBusyResponse['busy']>[number];

/** A busy interval with both readings. */
export const busyView = (b: Busy, zone: string) => ({
  start: { utc: b.start, local: b.startLocal, timeZone: zone },
  end: { utc: b.end, local: b.endLocal, timeZone: zone },
});
