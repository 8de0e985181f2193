import type { ChangesetView } from '@app/assistant';
import { type EventResponse, EventUpdateSchema, instantToLocalDate } from '@app/calendar';
import { ValidationError } from '@app/common';

/**
 * What update_event and cancel_event change, as change sets keep it: the editable fields (PATCH's
 * own schemas), their values before (for undo), the timing of an event or one occurrence, and the
 * confirmation a client with elicitation shows.
 */

/** The fields update_event changes besides the time: PATCH /v1/events/{id}'s own schemas. */
const EDITABLE = [
  'title',
  'description',
  'location',
  'attendees',
  'reminders',
  'transparency',
  'visibility',
  'timeZone',
  'recurrence',
  'calendarId',
] as const;
type Editable = (typeof EDITABLE)[number];
export const EDIT_SHAPE = Object.fromEntries(EDITABLE.map((k) => [k, EventUpdateSchema.shape[k]])) as Pick<
  typeof EventUpdateSchema.shape,
  Editable
>;

/** The event's values of `names` as PATCH takes them, for undo (guests without the organizer). */
export function currentFields(event: EventResponse, names: string[], occurrenceTitle?: string) {
  const guests = event.attendees
    .filter((a) => a.email !== event.organizer?.email)
    .map((a) => ({
      email: a.email,
      ...(a.optional ? { optional: true } : {}),
      ...(a.name ? { name: a.name } : {}),
    }));
  const values: Record<Editable, unknown> = {
    title: occurrenceTitle ?? event.title,
    description: event.description,
    location: event.location,
    attendees: guests,
    reminders: event.reminders,
    transparency: event.transparency,
    visibility: event.visibility,
    timeZone: event.timeZone,
    recurrence: event.recurrence,
    calendarId: event.calendarId,
  };
  return Object.fromEntries(names.map((n) => [n, values[n as Editable]]));
}

/** The timing a move asks for: a new start (same duration) and/or a new end; timed events only. */
export function newTiming(
  event: EventResponse,
  before: ReturnType<typeof occurrenceTiming>,
  to: { start?: string; end?: string },
) {
  if (event.allDay)
    throw new ValidationError('update_event moves timed events only', [
      { field: 'id', message: 'is an all-day event' },
    ]);
  const start = to.start ? new Date(to.start) : before.start;
  const end = to.end
    ? new Date(to.end)
    : new Date(start.getTime() + before.end.getTime() - before.start.getTime());
  if (end.getTime() <= start.getTime())
    throw new ValidationError('end must be after start', [{ field: 'end', message: 'must be after start' }]);
  return { allDay: false, start, end };
}

/** The timing of the event (the series' first occurrence) or of one occurrence, as a change set keeps it. */
export function occurrenceTiming(event: EventResponse, occurrenceStart: string | undefined) {
  let start = new Date(event.start);
  let end = new Date(event.end);
  if (occurrenceStart) {
    const override = event.overrides.find((o) => Date.parse(o.originalStart) === Date.parse(occurrenceStart));
    const duration = end.getTime() - start.getTime();
    start = new Date(override?.start ?? occurrenceStart);
    end = override?.end ? new Date(override.end) : new Date(start.getTime() + duration);
  }
  if (!event.allDay) return { allDay: false, start, end };
  return {
    allDay: true,
    start,
    end,
    startDate: instantToLocalDate(start, event.timeZone),
    endDate: instantToLocalDate(end, event.timeZone),
  };
}

/** What the client shows its user: the summary and each before → after line (event text as quoted data). */
export function confirmationMessage(c: ChangesetView): string {
  const lines = c.diff.map((d) => `- ${d.field}: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`);
  return [c.summary, ...lines, 'Apply this change?'].join('\n');
}
