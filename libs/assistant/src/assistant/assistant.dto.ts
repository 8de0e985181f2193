import { TimeZoneInput } from '@app/calendar';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { CHANGESET_KINDS, CHANGESET_STATES } from '../changesets/changeset.schema';
import { PlanSchema } from '../plan/plan.schema';

/** Longest request text the assistant reads. */
export const MAX_MESSAGE_CHARS = 1000;

export const AssistantMessageSchema = z
  .object({
    text: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`)
      .describe('The request in plain words, or the answer to a "which one?" question ("2", "the 3pm one")'),
  })
  .strict()
  .meta({ example: { text: 'Move my dentist appointment to Thursday at 4pm' } });
export class AssistantMessageDto extends createZodDto(AssistantMessageSchema) {}

export const ChangesetConfirmSchema = z
  .object({
    token: z
      .string()
      .min(1, 'must not be empty')
      .max(200)
      .describe('The token returned with the preview (single use, 5 minutes)'),
  })
  .strict()
  .meta({ example: { token: 'cs_4f9c2b7e1a0d4c8f9e3b6a5d2c1f0e9d' } });
export class ChangesetConfirmDto extends createZodDto(ChangesetConfirmSchema) {}

export const TimeResolveSchema = z
  .object({
    text: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(400, 'must be at most 400 characters')
      .describe('A time phrase: "tomorrow at 3", "next week"'),
    timeZone: TimeZoneInput.optional().describe('IANA zone to read it in (default: yours)'),
  })
  .strict()
  .meta({ example: { text: 'tomorrow at 3' } });
export class TimeResolveDto extends createZodDto(TimeResolveSchema) {}

// ── responses (documentation) ───────────────────────────────────────────────────────────────────

const TimingSchema = z.object({
  allDay: z.boolean(),
  start: z.string().describe('UTC instant'),
  end: z.string(),
  startLocal: z.string().describe('in your zone'),
  endLocal: z.string(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
});

const WindowSchema = z.object({ from: z.string(), to: z.string() });
const SlotSchema = z.object({
  start: z.string().describe('UTC instant'),
  end: z.string(),
  startLocal: z.string(),
  endLocal: z.string(),
});

const ConflictSchema = z.object({
  seriesId: z.string(),
  title: z.string(),
  start: z.string(),
  end: z.string(),
});

export const ChangesetResponseSchema = z.object({
  id: z.string(),
  kind: z
    .enum(CHANGESET_KINDS)
    .describe(
      'move, cancel and edit (other fields: the MCP update_event) are previewed and confirmed; create and invite are applied at once (already confirmed)',
    ),
  state: z.enum(CHANGESET_STATES),
  summary: z.string(),
  occurrences: z.number().describe('how many occurrences the change touches'),
  items: z.array(
    z.object({
      eventId: z.string(),
      title: z.string(),
      recurring: z.boolean(),
      occurrenceStart: z.string().nullable().describe('the occurrence of a series that changes'),
      before: TimingSchema.nullable().describe('null for a create'),
      after: TimingSchema.nullable().describe('null for a cancel'),
      attendeesBefore: z.array(z.string()).optional().describe('invite: the guest list before'),
      attendeesAfter: z.array(z.string()).optional().describe('invite: the guest list after'),
    }),
  ),
  diff: z.array(
    z.object({
      eventId: z.string(),
      field: z
        .enum(['when', 'status', 'attendees', 'title', 'description', 'location', 'details'])
        .describe('what changes; details: another field of an edit, named in before and after'),
      before: z.string(),
      after: z.string(),
    }),
  ),
  conflicts: z.array(ConflictSchema).describe('events the change would overlap'),
  expiresAt: z.string().describe('the token is valid until then'),
  confirmedAt: z.string().nullable(),
  undoUntil: z.string().nullable(),
  undoneAt: z.string().nullable(),
  request: z.object({
    text: z.string(),
    interpreter: z.string(),
    model: z.string().nullable(),
    toolCallIds: z.array(z.string()),
  }),
  createdAt: z.string(),
  token: z.string().optional().describe('only in the preview: POST it to /v1/changesets/{id}/confirm'),
});
export class ChangesetResponseDto extends createZodDto(ChangesetResponseSchema) {}

export const AssistantMessageResponseSchema = z
  .object({
    reply: z.string().describe('one or two sentences for the user'),
    plan: PlanSchema,
    interpreter: z.enum(['offline', 'llm']),
    outcome: z
      .enum(['ok', 'preview', 'ambiguous', 'not_found', 'incomplete', 'unknown', 'refused'])
      .describe(
        'ok: answered or done; preview: a changeset to confirm; ambiguous: a question (which event, which person); ' +
          'not_found, incomplete (something to add, e.g. an email address), unknown, refused (e.g. a bulk cancel of more than 50, an undo after a later change)',
      ),
    changeset: ChangesetResponseSchema.optional().describe(
      'move and cancel (a bulk cancel: one changeset listing every event): the preview to confirm, with its token; ' +
        'create and invite: the applied changeset (undo it with POST /v1/changesets/{id}/undo or "undo"); undo: the changeset undone',
    ),
    result: z
      .union([
        z.object({
          type: z.literal('created'),
          event: z.record(z.string(), z.unknown()),
          conflicts: z.array(ConflictSchema),
        }),
        z.object({
          type: z.literal('events'),
          window: WindowSchema,
          items: z.array(z.record(z.string(), z.unknown())),
          more: z.boolean(),
        }),
        z.object({
          type: z.literal('free_slots'),
          window: WindowSchema,
          durationMinutes: z.number(),
          slots: z.array(SlotSchema),
          outsideWorkingHours: z.boolean(),
          notVisible: z
            .array(z.string())
            .optional()
            .describe(
              'attendees whose free/busy you cannot see: left out of the search, and named in the reply',
            ),
        }),
        z.object({ type: z.literal('choices'), candidates: z.array(z.record(z.string(), z.unknown())) }),
        z
          .object({
            type: z.literal('check'),
            window: WindowSchema,
            free: z.boolean().describe('the answer: true when nothing opaque is in the window'),
            busy: z.array(
              z.object({
                eventId: z.string(),
                title: z.string(),
                start: z.string(),
                end: z.string(),
                startLocal: z.string(),
                endLocal: z.string(),
                allDay: z.boolean(),
              }),
            ),
            alternatives: z
              .array(SlotSchema)
              .describe(
                'when busy: the nearest free times of the same length (with people: when everyone is free)',
              ),
            people: z
              .array(z.object({ email: z.string(), busy: z.array(SlotSchema) }))
              .optional()
              .describe(
                'with people named ("is Sam free at 3?"): each person whose free/busy you can see and their busy times in the window (times only, never titles)',
              ),
            notVisible: z
              .array(z.string())
              .optional()
              .describe('with people named: those whose free/busy you cannot see, named in the reply'),
          })
          .describe('check ("am I free Thursday at 2?", "am I free with Priya Thursday at 2?")'),
        z
          .object({
            type: z.literal('people'),
            name: z.string().describe('the name written'),
            choices: z.array(z.object({ name: z.string().nullable(), email: z.string() })),
          })
          .describe('a name that matches several of your contacts: say it again with the address'),
        z.object({
          type: z.literal('invited'),
          event: z.record(z.string(), z.unknown()),
          added: z.array(z.string()),
        }),
      ])
      .optional()
      .describe(
        'type "created" (event, conflicts), "events" (items), "free_slots" (slots), "choices" (candidates), "check" ' +
          '(free, busy, alternatives), "people" (choices for an ambiguous name) or "invited" (event, added)',
      ),
  })
  .meta({
    example: {
      reply: 'Added “Lunch with Sam” on Tue, Mar 3, 12:00 PM – 1:00 PM.',
      plan: {
        intent: 'create',
        event: {
          title: 'Lunch with Sam',
          start: '2026-03-03T12:00:00-05:00',
          end: '2026-03-03T13:00:00-05:00',
          allDay: false,
          recurrence: null,
          location: null,
        },
        target: null,
        window: null,
        durationMinutes: null,
      },
      interpreter: 'offline',
      outcome: 'ok',
    },
  });
export class AssistantMessageResponseDto extends createZodDto(AssistantMessageResponseSchema) {}

export const ChangesetOutcomeSchema = z.object({
  changeset: ChangesetResponseSchema,
  reply: z.string(),
  events: z.array(z.record(z.string(), z.unknown())).describe('the events as they are now'),
});
export class ChangesetOutcomeDto extends createZodDto(ChangesetOutcomeSchema) {}

const IntervalSchema = z.object({
  start: z.string().describe('UTC instant'),
  end: z.string(),
  startLocal: z.string(),
  endLocal: z.string(),
  allDay: z.boolean(),
  in_dst_gap: z.boolean(),
  in_dst_overlap: z.boolean(),
  in_past: z.boolean(),
  outside_working_hours: z.boolean(),
});

export const TimeResolutionSchema = z
  .object({
    text: z.string(),
    timeZone: z.string(),
    now: z.string(),
    kind: z.enum(['time', 'day', 'span', 'recurring', 'none']),
    candidates: z.array(IntervalSchema),
    recurrence: z.string().nullable(),
    ambiguous: z
      .boolean()
      .describe('an hour without am/pm: the convention picks one reading, alternatives hold the other'),
    alternatives: z.array(IntervalSchema.extend({ reading: z.string() })),
    unparsed: z.string().describe('words no rule understood'),
    in_dst_gap: z.boolean(),
    in_dst_overlap: z.boolean(),
    in_past: z.boolean(),
    outside_working_hours: z.boolean(),
  })
  .meta({ description: 'flags at the top level hold when any candidate has them' });
export class TimeResolutionDto extends createZodDto(TimeResolutionSchema) {}

export type AssistantMessageRequest = z.input<typeof AssistantMessageSchema>;
export type ChangesetConfirmRequest = z.input<typeof ChangesetConfirmSchema>;
export type TimeResolveRequest = z.input<typeof TimeResolveSchema>;
export type AssistantMessageResponse = z.infer<typeof AssistantMessageResponseSchema>;
export type ChangesetOutcomeResponse = z.infer<typeof ChangesetOutcomeSchema>;
