import { Types } from 'mongoose';
import type { CalendarRole } from '../calendars/calendar-role';
import { generatedStartsBetween } from '../recurrence/expand';
import { CalendarSeries, Occurrence } from '../recurrence/types';
import { formatInZone } from '../time/zone';
import { EventResponse, OccurrenceResponse } from './event.dto';
import { EventState, SeriesRecord } from './event.repository';
import { EventFields, EventRecord } from './event.schema';
import { Attendee, attendeeEmailsOf, Organizer, ownReminders, responseOf } from './attendees';

export type EventSeries = CalendarSeries<EventFields>;
export type EventOccurrence = Occurrence<EventFields>;

const YEAR_MS = 366 * 86_400_000;

/** The stored document as the recurrence engine sees it. */
export function toSeries(r: SeriesRecord): EventSeries {
  return {
    id: String(r._id),
    start: r.start,
    end: r.end,
    timeZone: r.timeZone,
    allDay: r.allDay,
    ...(r.allDay ? { startDate: r.startDate, endDate: r.endDate } : {}),
    recurrence: r.recurrence,
    exdates: r.exdates ?? [],
    overrides: (r.overrides ?? []).map((o) => stripUndefined({ ...o })),
    fields: {
      title: r.title,
      description: r.description ?? null,
      location: r.location ?? null,
      attendees: r.attendees ?? [],
      reminders: r.reminders ?? [],
      transparency: r.transparency ?? 'opaque',
      visibility: r.visibility ?? 'default',
    },
  };
}

/**
 * The document state for a series, with the range every occurrence falls in: from the earliest
 * start (series or moved override) to the latest end, or open-ended for an endless rule.
 */
export function toState(
  series: Omit<EventSeries, 'id'>,
  extra: {
    uid?: string;
    idempotencyKey?: string;
    organizer?: Organizer | null;
    /** False for a copy of someone else's meeting (imported): its guests are listed, not invited. */
    invites?: boolean;
  } = {},
): EventState {
  const f = series.fields as EventFields;
  const duration = series.end.getTime() - series.start.getTime();
  let rangeEnd: number | null = series.end.getTime();
  if (series.recurrence) {
    rangeEnd = null;
    if (/(COUNT|UNTIL)=/.test(series.recurrence)) {
      const starts = generatedStartsBetween(
        { ...series, id: 'range' },
        series.start,
        new Date(series.start.getTime() + 100 * YEAR_MS),
      );
      const last = starts.at(-1);
      // 10,000 originals is the engine's cap; beyond it, leave the range open rather than guess.
      if (last && starts.length < 10_000) rangeEnd = last.getTime() + duration + 2 * 86_400_000;
    }
  }
  let rangeStart = series.start.getTime();
  for (const o of series.overrides ?? []) {
    if (o.start) rangeStart = Math.min(rangeStart, o.start.getTime());
    if (o.end && rangeEnd !== null) rangeEnd = Math.max(rangeEnd, o.end.getTime());
  }
  return stripUndefined({
    title: f.title,
    description: f.description ?? null,
    location: f.location ?? null,
    attendees: f.attendees ?? [],
    attendeeEmails:
      extra.invites === false
        ? []
        : attendeeEmailsOf([
            f.attendees,
            ...(series.overrides ?? []).map((o) => (o.fields as Partial<EventFields> | undefined)?.attendees),
          ]),
    reminders: f.reminders ?? [],
    transparency: f.transparency ?? 'opaque',
    visibility: f.visibility ?? 'default',
    start: series.start,
    end: series.end,
    timeZone: series.timeZone,
    allDay: !!series.allDay,
    startDate: series.allDay ? series.startDate : undefined,
    endDate: series.allDay ? series.endDate : undefined,
    recurrence: series.recurrence ?? null,
    exdates: series.exdates ?? [],
    overrides: (series.overrides ?? []).map((o) => stripUndefined({ ...o })),
    rangeStart: new Date(rangeStart),
    rangeEnd: rangeEnd === null ? null : new Date(rangeEnd),
    uid: extra.uid,
    idempotencyKey: extra.idempotencyKey,
    organizer: extra.organizer,
  }) as EventState;
}

/**
 * Whether the guests of a stored event are invited (see it on their calendars): yes unless it lists
 * guests none of whom is indexed — a copy of someone else's meeting, imported — which stays a copy.
 */
export const invitesGuests = (r: Pick<EventRecord, 'attendees' | 'attendeeEmails'>): boolean =>
  !(r.attendees?.length && !r.attendeeEmails?.length);

export const etagOf = (version: number): string => `"${version}"`;

/** Attendees as `viewer` (an address, lower-case) sees them: `self` marks their own entry. */
const attendeesFor = (list: readonly Attendee[] | undefined, viewer?: string) =>
  (list ?? []).map((a) =>
    stripUndefined({
      email: a.email,
      name: a.name ?? undefined,
      optional: !!a.optional,
      responseStatus: a.responseStatus,
      comment: a.comment ?? undefined,
      self: a.email === viewer,
    }),
  );

/** The event as an answer; `viewer` (the caller's address) decides each `self`. */
export function toEventResponse(r: EventRecord, zone: string, viewer?: string): EventResponse {
  const me = viewer?.toLowerCase();
  return {
    id: String(r._id),
    calendarId: String(r.calendarId),
    uid: r.uid,
    title: r.title,
    description: r.description ?? null,
    location: r.location ?? null,
    organizer: r.organizer
      ? stripUndefined({
          email: r.organizer.email,
          name: r.organizer.name ?? undefined,
          self: r.organizer.email === me,
        })
      : null,
    attendees: attendeesFor(r.attendees, me),
    ...(me && responseOf(r.attendees, me) ? { responseStatus: responseOf(r.attendees, me) } : {}),
    sequence: r.sequence ?? 0,
    reminders: r.reminders ?? [],
    transparency: r.transparency ?? 'opaque',
    visibility: r.visibility ?? 'default',
    timeZone: r.timeZone,
    allDay: r.allDay,
    start: r.start.toISOString(),
    end: r.end.toISOString(),
    startLocal: formatInZone(r.start, zone),
    endLocal: formatInZone(r.end, zone),
    ...(r.allDay ? { startDate: r.startDate, endDate: r.endDate } : {}),
    recurrence: r.recurrence ?? null,
    exdates: (r.exdates ?? []).map((d) => d.toISOString()),
    overrides: (r.overrides ?? []).map((o) =>
      stripUndefined({
        originalStart: o.originalStart.toISOString(),
        cancelled: o.cancelled,
        start: o.start?.toISOString(),
        end: o.end?.toISOString(),
        startDate: o.startDate,
        endDate: o.endDate,
        title: o.fields?.title,
        attendees: o.fields?.attendees ? attendeesFor(o.fields.attendees, me) : undefined,
      }),
    ),
    version: r.version,
    etag: etagOf(r.version),
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

export function toOccurrenceResponse(
  o: EventOccurrence,
  series: EventSeries,
  zone: string,
  calendarId: string,
  viewer?: string,
): OccurrenceResponse {
  const f = { ...series.fields, ...o.fields } as EventFields;
  const response = viewer ? responseOf(f.attendees, viewer) : undefined;
  return {
    calendarId,
    seriesId: o.seriesId,
    originalStart: o.originalStart.toISOString(),
    recurring: !!series.recurrence,
    overridden: o.overridden,
    title: f.title,
    description: f.description ?? null,
    location: f.location ?? null,
    transparency: f.transparency ?? 'opaque',
    visibility: f.visibility ?? 'default',
    timeZone: series.timeZone,
    allDay: o.allDay,
    start: o.start.toISOString(),
    end: o.end.toISOString(),
    startLocal: formatInZone(o.start, zone),
    endLocal: formatInZone(o.end, zone),
    ...(o.allDay ? { startDate: o.startDate, endDate: o.endDate } : {}),
    ...(f.attendees?.length ? { attendeeCount: f.attendees.length } : {}),
    ...(response ? { responseStatus: response } : {}),
  };
}

/**
 * A meeting as an attendee sees it: whole (a private meeting too: they are invited), on their own
 * primary calendar (its calendarId is theirs: their account id), with their own response. Every
 * answer to an attendee goes through it (get by id, RSVP, their sync and webhooks).
 */
export function attendeeView(
  viewer: { id: string; email: string },
  record: EventRecord,
  zone: string,
): EventResponse {
  return {
    ...toEventResponse(record, zone, viewer.email),
    calendarId: viewer.id,
    // Their own reminders, not the organizer's.
    reminders: ownReminders(record.attendees, viewer.email.toLowerCase()) ?? [],
  };
}

/** What a reader of a shared calendar sees of a private event: that the time is busy, nothing more. */
export const BUSY_TITLE = 'Busy';
export function busyOnly<T extends EventResponse | OccurrenceResponse>(view: T): T {
  const { attendeeCount: _count, ...rest } = view as OccurrenceResponse;
  const out = { ...(rest as T), title: BUSY_TITLE, description: null, location: null };
  if ('attendees' in out) {
    Object.assign(out, {
      organizer: null,
      attendees: [],
      reminders: [],
      overrides: (out as EventResponse).overrides.map(({ title: _t, attendees: _a, ...o }) => o),
    });
  }
  return out;
}

/** An event as someone with `role` on its calendar may see it: a reader sees a private event as busy only. */
export function viewFor(record: EventRecord, zone: string, role: CalendarRole): EventResponse {
  return readerView(record, toEventResponse(record, zone), role);
}

/**
 * What `role` may see of an event's view: a reader sees a private event as busy only, and of a
 * shared series the title of no occurrence made private on its own (an override with
 * `visibility: private`, which the listing shows as busy). Every single-event answer goes through it
 * (get by id, sync, webhooks).
 */
export function readerView(record: EventRecord, view: EventResponse, role: CalendarRole): EventResponse {
  if (role !== 'reader') return view;
  if (view.visibility === 'private') return busyOnly(view);
  const hidden = (record.overrides ?? []).map((o) => o.fields?.visibility === 'private');
  if (!hidden.includes(true)) return view;
  const overrides = view.overrides.map((o, i) => {
    if (!hidden[i]) return o;
    const { title: _title, ...rest } = o;
    return rest;
  });
  return { ...view, overrides };
}

export const objectId = (id: string) => new Types.ObjectId(id);

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
