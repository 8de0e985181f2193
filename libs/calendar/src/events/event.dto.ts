import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { parseRecurrence } from '../recurrence/rrule';
import { isValidTimeZone, parseInstant, parseLocalDateTime } from '../time/zone';
import { isValidLocalDate } from '../time/local-date';
import { MAX_ATTENDEES, RESPONSE_STATUSES, RSVP_RESPONSES } from './attendees';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An instant with an offset, a wall-clock time in the event's zone, or (all-day) a date. */
export const TimeInput = z.string().superRefine((v, ctx) => {
  if (!(ISO_INSTANT.test(v) || LOCAL_DATE_TIME.test(v) || LOCAL_DATE.test(v)))
    ctx.addIssue({
      code: 'custom',
      message:
        'must be an ISO-8601 instant (2026-03-03T12:00:00-05:00), a local time (2026-03-03T12:00) or a date (2026-03-03)',
    });
  else if (!isRealTime(v))
    ctx.addIssue({ code: 'custom', message: 'is not a real date and time (no February 30, no 25:00)' });
});

/** The shape is right: is the date (and time, and offset) one that exists? */
function isRealTime(v: string): boolean {
  if (ISO_INSTANT.test(v)) {
    const offset = /[+-](\d{2}):(\d{2})$/.exec(v);
    if (offset && (Number(offset[1]) > 23 || Number(offset[2]) > 59)) return false;
    return parseInstant(v) !== null;
  }
  if (LOCAL_DATE.test(v)) return isValidLocalDate(v);
  try {
    parseLocalDateTime(v);
    return true;
  } catch {
    return false;
  }
}
export const timeInputKind = (v: string): 'instant' | 'local' | 'date' =>
  ISO_INSTANT.test(v) ? 'instant' : LOCAL_DATE_TIME.test(v) ? 'local' : 'date';

export const TimeZoneInput = z
  .string()
  .refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin');

export const RecurrenceInput = z.string().superRefine((v, ctx) => {
  try {
    parseRecurrence(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^recurrence: /, '') });
  }
});

/** Minutes before an occurrence's start (0 to 4 weeks), at most 5: an event's, an attendee's own, a calendar's defaults. */
export const RemindersInput = z
  .array(z.int().min(0).max(40_320, 'must be at most 4 weeks (40320 minutes)'))
  .max(5, 'must have at most 5 reminders');

const fields = {
  title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  description: z.string().max(10_000).nullable(),
  location: z.string().max(500).nullable(),
  attendees: z
    .array(
      // A plain address is shorthand for `{email}`.
      z.preprocess(
        (v) => (typeof v === 'string' ? { email: v } : v),
        z
          .object({
            email: z.email('must be an email address'),
            optional: z.boolean().optional(),
            name: z.string().trim().min(1).max(200).optional(),
          })
          .strict(),
      ),
    )
    .max(MAX_ATTENDEES, `must list at most ${MAX_ATTENDEES} attendees`)
    .describe('guests: addresses, or {email, optional?, name?}; you (the organizer) are added as accepted'),
  reminders: RemindersInput.describe(
    "minutes before each occurrence's start, at most 5; empty or left out: the calendar's defaultReminders",
  ),
  transparency: z.enum(['opaque', 'transparent']),
  visibility: z.enum(['default', 'private']),
  timeZone: TimeZoneInput,
  allDay: z.boolean(),
  recurrence: RecurrenceInput.nullable(),
  exdates: z.array(TimeInput).max(1000),
};

/** `primary` (the caller's own) or a calendar id from GET /v1/calendars. */
export const CalendarIdInput = z
  .string()
  .regex(/^(primary|[0-9a-f]{24})$/, 'must be `primary` or a calendar id from GET /v1/calendars');

export const EventCreateSchema = z
  .object({
    ...fields,
    calendarId: CalendarIdInput,
    start: TimeInput,
    end: TimeInput,
  })
  .partial()
  .required({ title: true, start: true })
  .strict()
  .meta({
    example: {
      title: 'Team sync',
      start: '2026-03-03T09:00',
      end: '2026-03-03T09:30',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;BYDAY=TU',
      attendees: ['sam@example.com'],
      reminders: [10],
    },
  });
export class EventCreateDto extends createZodDto(EventCreateSchema) {}

export const EventUpdateSchema = z
  .object({
    ...fields,
    reminders: fields.reminders
      .nullable()
      .describe(
        'minutes before each occurrence, at most 5. By the organizer’s side: the event’s own (empty or null: the calendar’s defaultReminders). ' +
          'By an attendee (the only field an attendee may change): their own for this meeting, empty for none, null for their calendar’s defaultReminders',
      ),
    calendarId: CalendarIdInput.describe('moves the event (scope all); needs writer on both calendars'),
    start: TimeInput,
    end: TimeInput,
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
  .meta({ example: { start: '2026-03-03T10:00', title: 'Team sync (moved)', reminders: [10, 60] } });
export class EventUpdateDto extends createZodDto(EventUpdateSchema) {}

export const EditScopeQuerySchema = z
  .object({
    scope: z.enum(['this', 'thisAndFollowing', 'all']).default('all'),
    occurrenceStart: z.iso
      .datetime({ offset: true, message: 'must be the occurrence start as an ISO-8601 instant' })
      .optional(),
    timeZone: TimeZoneInput.optional(),
  })
  .refine((q) => q.scope === 'all' || q.occurrenceStart, {
    path: ['occurrenceStart'],
    message: 'is required when scope is this or thisAndFollowing',
  });
export class EditScopeQueryDto extends createZodDto(EditScopeQuerySchema) {}

export const RsvpSchema = z
  .object({
    response: z.enum(RSVP_RESPONSES, { message: 'must be accepted, declined or tentative' }),
    comment: z.string().trim().max(1000, 'must be at most 1000 characters').nullable().optional(),
  })
  .strict()
  .meta({ example: { response: 'accepted', comment: 'See you there' } });
export class RsvpDto extends createZodDto(RsvpSchema) {}

export const MAX_WINDOW_DAYS = 366;

export const EventListQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 instant' }),
    to: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 instant' }),
    timeZone: TimeZoneInput.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    calendarIds: z
      .string()
      .max(2000)
      .transform((v) => [
        ...new Set(
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(CalendarIdInput)
          .min(1, 'must name at least one calendar')
          .max(50, 'must name at most 50 calendars'),
      )
      .optional()
      .describe(
        'comma-separated calendar ids (default: every calendar you can read); your primary calendar includes the meetings you are invited to',
      ),
    responseStatus: z
      .enum(RESPONSE_STATUSES)
      .optional()
      .describe('only meetings where your own response is this (needsAction: pending invitations)'),
  })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { path: ['to'], message: 'must be after from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_WINDOW_DAYS * 86_400_000, {
    path: ['to'],
    message: `must be at most ${MAX_WINDOW_DAYS} days after from`,
  });
export class EventListQueryDto extends createZodDto(EventListQuerySchema) {}

export const InvitationsQuerySchema = z.object({
  timeZone: TimeZoneInput.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export class InvitationsQueryDto extends createZodDto(InvitationsQuerySchema) {}

export const TimeZoneQuerySchema = z.object({ timeZone: TimeZoneInput.optional() });
export class TimeZoneQueryDto extends createZodDto(TimeZoneQuerySchema) {}

// ---- responses ----

export const AttendeeResponseSchema = z.object({
  email: z.string(),
  name: z.string().optional(),
  optional: z.boolean(),
  responseStatus: z.enum(RESPONSE_STATUSES),
  comment: z.string().optional(),
  self: z.boolean().describe('this is you'),
});

export const OrganizerResponseSchema = z.object({
  email: z.string(),
  name: z.string().optional(),
  self: z.boolean(),
});

export const OverrideResponseSchema = z.object({
  originalStart: z.string(),
  cancelled: z.boolean().optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
  title: z.string().optional(),
  attendees: z.array(AttendeeResponseSchema).optional().describe("this occurrence's own answers"),
});

export const EventResponseSchema = z
  .object({
    id: z.string(),
    calendarId: z.string(),
    uid: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    location: z.string().nullable(),
    organizer: OrganizerResponseSchema.nullable().describe('the owner of the calendar the meeting is in'),
    attendees: z
      .array(AttendeeResponseSchema)
      .describe('the organizer first (accepted), then the guests; empty for an event without guests'),
    responseStatus: z.enum(RESPONSE_STATUSES).optional().describe('your own response, when you are invited'),
    sequence: z
      .number()
      .describe('iCalendar SEQUENCE: bumped by each change of time, place, title or guests'),
    reminders: z
      .array(z.number())
      .describe(
        'your reminders (minutes before): the event’s own on its calendar’s side, your own as an attendee; empty: your calendar’s defaultReminders apply',
      ),
    transparency: z.enum(['opaque', 'transparent']),
    visibility: z
      .enum(['default', 'private'])
      .describe('private: readers of a shared calendar see busy only'),
    timeZone: z.string().describe("the event's own zone; recurrence follows its wall clock"),
    allDay: z.boolean(),
    start: z.string().describe('UTC instant'),
    end: z.string().describe('UTC instant'),
    startLocal: z.string().describe('start in the requested zone (?timeZone=, default the user’s)'),
    endLocal: z.string(),
    startDate: z.string().optional(),
    endDate: z.string().optional().describe('all-day: exclusive'),
    recurrence: z.string().nullable(),
    exdates: z.array(z.string()),
    overrides: z.array(OverrideResponseSchema),
    version: z.number(),
    etag: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    example: {
      id: '6650f1a2c3d4e5f6a7b8c9d0',
      calendarId: '6650f1a2c3d4e5f6a7b8c9aa',
      uid: '6650f1a2c3d4e5f6a7b8c9d0@calendar-assistant',
      title: 'Team sync',
      description: null,
      location: null,
      organizer: { email: 'alex@example.com', self: true },
      attendees: [
        { email: 'alex@example.com', optional: false, responseStatus: 'accepted', self: true },
        { email: 'sam@example.com', optional: false, responseStatus: 'needsAction', self: false },
      ],
      responseStatus: 'accepted',
      sequence: 0,
      reminders: [10],
      transparency: 'opaque',
      visibility: 'default',
      timeZone: 'Europe/Berlin',
      allDay: false,
      start: '2026-03-03T08:00:00.000Z',
      end: '2026-03-03T08:30:00.000Z',
      startLocal: '2026-03-03T09:00:00+01:00',
      endLocal: '2026-03-03T09:30:00+01:00',
      recurrence: 'FREQ=WEEKLY;BYDAY=TU',
      exdates: [],
      overrides: [],
      version: 1,
      etag: '"1"',
      createdAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:00.000Z',
    },
  });
export type EventResponse = z.infer<typeof EventResponseSchema>;

export const OccurrenceResponseSchema = z.object({
  calendarId: z.string(),
  seriesId: z.string(),
  originalStart: z.string().describe('RECURRENCE-ID: pass as occurrenceStart to edit this occurrence'),
  recurring: z.boolean(),
  overridden: z.boolean(),
  title: z.string(),
  description: z.string().nullable(),
  location: z.string().nullable(),
  transparency: z.enum(['opaque', 'transparent']),
  visibility: z.enum(['default', 'private']),
  timeZone: z.string(),
  allDay: z.boolean(),
  start: z.string(),
  end: z.string(),
  startLocal: z.string(),
  endLocal: z.string(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
  attendeeCount: z.number().optional().describe('a meeting: how many are invited (organizer included)'),
  responseStatus: z
    .enum(RESPONSE_STATUSES)
    .optional()
    .describe('your own response to this occurrence, when you are invited'),
});
export type OccurrenceResponse = z.infer<typeof OccurrenceResponseSchema>;

export const ConflictSchema = z.object({
  seriesId: z.string(),
  title: z.string(),
  start: z.string(),
  end: z.string(),
});
export type Conflict = z.infer<typeof ConflictSchema>;

export const EventWriteResponseSchema = z.object({
  event: EventResponseSchema,
  created: EventResponseSchema.optional().describe(
    'thisAndFollowing: the new series that starts at the edited occurrence',
  ),
  conflicts: z.array(ConflictSchema).describe('events this one overlaps (the write still succeeded)'),
  invitationsSent: z
    .boolean()
    .describe(
      'true when the write queued iTIP emails to guests (an invitation, update or cancellation); false when ' +
        'SMTP_URL is not set or nobody needed one (no guests, or a change that does not raise SEQUENCE)',
    ),
});
export class EventWriteResponseDto extends createZodDto(EventWriteResponseSchema) {}
export type EventWriteResponse = z.infer<typeof EventWriteResponseSchema>;

export class EventResponseDto extends createZodDto(EventResponseSchema) {}

export const OccurrencePageSchema = z.object({
  items: z.array(OccurrenceResponseSchema),
  nextCursor: z.string().nullable(),
  timeZone: z.string(),
});
export class OccurrencePageDto extends createZodDto(OccurrencePageSchema) {}
export type OccurrencePage = z.infer<typeof OccurrencePageSchema>;
