import { IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * The assistant's plan: what one natural-language request asks the calendar to do.
 *
 * Both interpreters (offline and LLM) produce it and one executor carries it out; see
 * docs/assistant-contract.md for the conventions behind every field. The schemas double as
 * LLM tool schemas, so every key is present (nullable rather than optional) and documented.
 */

/** An ISO-8601 instant with a numeric offset (or Z), e.g. `2026-03-03T12:00:00-05:00`. */
export const IsoInstantSchema = z.iso
  .datetime({ offset: true })
  .describe('ISO-8601 date-time with a numeric offset, e.g. 2026-03-03T12:00:00-05:00');

/** An RFC 5545 RRULE value without DTSTART, e.g. `FREQ=WEEKLY;BYDAY=TU,TH`. */
export const RecurrenceRuleSchema = z
  .string()
  .regex(
    /^(?:RRULE:)?FREQ=[A-Z]+(?:;[A-Z]+=[A-Z0-9,+\-:]+)*$/i,
    'an RRULE value such as FREQ=WEEKLY;BYDAY=MO',
  )
  .describe('RFC 5545 RRULE value without DTSTART, e.g. FREQ=WEEKLY;BYDAY=TU,TH, or null when not recurring');

export const IntentSchema = z
  .enum(['create', 'move', 'cancel', 'list', 'find_free', 'check', 'invite', 'undo', 'unknown'])
  .describe(
    'What the request asks: create a new event, move or cancel an existing one (or, with target.all, every ' +
      'matching one in a bounded span), list events in a window, find free time, check whether a window is free ' +
      '("am I free Thursday at 2?"), invite people to an existing event, undo the last applied change, or ' +
      'unknown (not a calendar request, or a destructive one without a bounded span such as "delete all my events")',
  );
export type Intent = z.infer<typeof IntentSchema>;

export const PlanEventSchema = z
  .object({
    title: z
      .string()
      .min(1)
      .max(500)
      .nullable()
      .describe(
        'Title of the new event: the request without scheduling words, times, dates, durations, recurrence ' +
          'and location, e.g. "Lunch with Sam"; null for a move',
      ),
    start: IsoInstantSchema.nullable().describe(
      'Start, resolved as wall-clock time in the request time zone; for a move, the new start',
    ),
    end: IsoInstantSchema.nullable().describe(
      'End (exclusive). Defaults to start + 60 minutes for a new timed event; local midnight after the last ' +
        'day for an all-day event; null for a move unless the request gives an end or a duration',
    ),
    allDay: z
      .boolean()
      .nullable()
      .describe('True when the request gives a date but no time of day; null when not applicable'),
    recurrence: RecurrenceRuleSchema.nullable(),
    location: z
      .string()
      .min(1)
      .max(500)
      .nullable()
      .describe('Place named by "at PLACE" or "in PLACE", e.g. "Blue Bottle"; null when none'),
    attendees: z
      .array(z.string().trim().min(1).max(320))
      .max(50)
      .nullable()
      .optional()
      .describe(
        'create: the people named ("Lunch with Sam" → ["Sam"]), as written — names or email addresses; a group or role stays in the title; null or absent when none',
      ),
  })
  .describe('create: the new event; move: the new time (only start, and end when given, are used)');
export type PlanEvent = z.infer<typeof PlanEventSchema>;

export const PlanTargetSchema = z
  .object({
    title: z
      .string()
      .min(1)
      .max(500)
      .nullable()
      .describe(
        'The words naming the existing event, e.g. "dentist appointment"; null when only a time is given',
      ),
    start: IsoInstantSchema.nullable().describe(
      'Start of the existing event when the request names its time, e.g. "my 3pm meeting"',
    ),
    from: IsoInstantSchema.nullable().describe(
      'Start of the day or span to look in when the request names only a day, e.g. "tomorrow\'s yoga"',
    ),
    to: IsoInstantSchema.nullable().describe('End (exclusive) of that day or span'),
    all: z
      .boolean()
      .nullable()
      .optional()
      .describe(
        'cancel: true when the request means every matching event in the span ("cancel all my meetings on Friday"); null or absent otherwise',
      ),
  })
  .describe('move, cancel, invite: how to find the existing event(s)');
export type PlanTarget = z.infer<typeof PlanTargetSchema>;

export const PlanWindowSchema = z
  .object({
    from: IsoInstantSchema.describe('Start of the span to look in (inclusive), e.g. local midnight'),
    to: IsoInstantSchema.describe('End of the span (exclusive), e.g. the following local midnight'),
  })
  .describe('list, find_free, check: the span to look in');
export type PlanWindow = z.infer<typeof PlanWindowSchema>;

export const PlanSchema = z
  .object({
    intent: IntentSchema,
    event: PlanEventSchema.nullable().describe('Set for create and for a move to a time, else null'),
    target: PlanTargetSchema.nullable().describe('Set for move, cancel and invite, else null'),
    window: PlanWindowSchema.nullable().describe('Set for list, find_free and check, else null'),
    durationMinutes: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe(
        'find_free: the length of the free slot wanted, in minutes (60 when not given); move with event null: the ' +
          'new length ("make it 30 minutes": the start stays, end = start + length); else null',
      ),
    attendees: z
      .array(z.string().trim().min(1).max(320))
      .max(50)
      .nullable()
      .optional()
      .describe(
        'find_free, check, invite: the other people named, as written — email addresses or names ("Priya", "sam@example.com"; "is Sam free at 3?" → ["Sam"]); null or absent when none',
      ),
    shift: z
      .string()
      .regex(
        /^-?P(?!$)(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?)?$/,
        'an ISO-8601 duration such as PT30M, -PT1H or P1W',
      )
      .nullable()
      .optional()
      .describe(
        'move: a relative amount instead of a new time, as an ISO-8601 duration, negative with a leading "-" ("30 minutes later" → PT30M, "an hour earlier" → -PT1H, "a week later" → P1W); null or absent otherwise',
      ),
  })
  .describe('One calendar action derived from a natural-language request');
export type Plan = z.infer<typeof PlanSchema>;

export const InterpretRequestSchema = z
  .object({
    text: z
      .string()
      .min(1)
      .max(1000)
      .describe('The natural-language request, e.g. "Lunch with Sam tomorrow at noon"'),
    now: IsoInstantSchema.describe('The current instant, with offset'),
    timeZone: z
      .string()
      .min(1)
      .refine((zone) => IANAZone.isValidZone(zone), 'a valid IANA time zone such as Europe/Berlin')
      .describe('IANA time zone of the user, e.g. America/New_York; all times are resolved in it'),
  })
  .describe('A request to interpret');
export type InterpretRequest = z.infer<typeof InterpretRequestSchema>;
