import { z } from 'zod';
import { Intent, PlanEventSchema, PlanSchema, PlanTargetSchema } from '../plan/plan.schema';

/**
 * The LLM interpreter's tools: one per intent, plus `resolve_time` to check a phrase.
 *
 * Design: the schemas are the plan's (PlanSchema's parts: titles, location, allDay,
 * durationMinutes, the intent itself) EXCEPT that every instant is replaced by a time PHRASE. The
 * model copies the time words of the request ("tomorrow at 3pm", "Friday", "next week", "from 8pm
 * to 1am") or writes a local date / date-time without an offset ("2026-03-12T10:30"); our
 * TimeResolver turns them into ISO instants with the contract's conventions and the zone's
 * daylight-saving rules (see llm-plan-builder.ts). The model never does date arithmetic, never
 * picks an offset, and an instant with an offset in its output is refused as invalid output.
 */

const PHRASE_HELP =
  'Copy the time words of the request (e.g. "tomorrow at 3pm", "Friday", "next week", "in 2 hours", ' +
  '"from 8pm to 1am"), or write a local date or date-time WITHOUT offset ("2026-03-12", "2026-03-12T10:30"). ' +
  'Never compute dates, weekdays or UTC offsets yourself.';

const phrase = (what: string) => z.string().trim().min(1).max(200).describe(`${what}. ${PHRASE_HELP}`);

const EventTitle = PlanEventSchema.shape.title
  .unwrap()
  .describe(
    'Title of the new event: the request without scheduling words ("schedule", "add", "remind me to"), times, ' +
      'dates, durations, recurrence and location, e.g. "Lunch with Sam"',
  );

export const TargetArgsSchema = z
  .object({
    title: PlanTargetSchema.shape.title.describe(
      'The words naming the existing event, e.g. "dentist appointment"; "it" when the request refers to the event ' +
        'just talked about ("move it to 4pm"); null when only a time names it',
    ),
    time: phrase('When the existing event starts, if the request says so ("my 3pm meeting" → "3pm")')
      .nullable()
      .describe(
        'When the existing event starts, if the request says so ("my 3pm meeting" → "3pm"), else null',
      ),
    day: phrase('The day or span the existing event is on when the request names only a day')
      .nullable()
      .describe('The day or span the existing event is on ("tomorrow\'s yoga" → "tomorrow"), else null'),
  })
  .describe('How to find the existing event');
export type TargetArgs = z.infer<typeof TargetArgsSchema>;

export const CreateEventArgsSchema = z.object({
  title: EventTitle,
  start: phrase('When the new event starts (a day alone makes an all-day event)'),
  end: phrase('When it ends, if the request says ("to 11:15", "until June 17")')
    .nullable()
    .describe('When it ends, if the request gives an end time or last day, else null'),
  durationMinutes: PlanSchema.shape.durationMinutes.describe(
    'Length in minutes when the request gives one ("for 90 minutes" → 90, "a 2 hour workshop" → 120), else null',
  ),
  allDay: PlanEventSchema.shape.allDay,
  recurrence: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .describe(
      'The recurrence words of the request ("every weekday", "on Tuesdays and Thursdays", "the first Monday of every ' +
        'month", "daily") or an RRULE value such as FREQ=WEEKLY;BYDAY=TU,TH; null when the event does not repeat',
    ),
  location: PlanEventSchema.shape.location,
  attendees: PlanEventSchema.shape.attendees.describe(
    'The people named with "with" ("Lunch with Sam and Priya" → ["Sam", "Priya"]), as written: capitalised names or ' +
      'email addresses. A group or role ("the design team", "my manager") is not an attendee and stays in the title. ' +
      'null when none',
  ),
});

export const MoveEventArgsSchema = z.object({
  target: TargetArgsSchema,
  newStart: phrase('The new start ("to Thursday at 4pm" → "Thursday at 4pm")')
    .nullable()
    .describe('The new start, e.g. "Thursday at 4pm" for "move it to Thursday at 4pm"; null for a shift'),
  newEnd: phrase('The new end, only if the request gives one')
    .nullable()
    .describe('The new end, only if the request gives one, else null'),
  shiftMinutes: z
    .number()
    .int()
    .min(-10_080)
    .max(10_080)
    .nullable()
    .describe(
      'For "push it back an hour" / "30 minutes earlier": the shift in minutes (+60 / -30); else null',
    ),
  shiftDays: z
    .number()
    .int()
    .min(-366)
    .max(366)
    .nullable()
    .optional()
    .describe(
      'For "a day later" / "to next week" (no day named) / "postpone by 2 weeks" / "move it up a day": the shift in ' +
        'whole days (+1 / +7 / +14 / -1); else null. Later is positive; "earlier", "bring forward", "move up" negative',
    ),
  newLengthMinutes: z
    .number()
    .int()
    .min(5)
    .max(1440)
    .nullable()
    .optional()
    .describe(
      'For a new length only ("make it 30 minutes", "extend the review to 2 hours"): the length in minutes; the ' +
        'start stays. Null otherwise',
    ),
});

export const CancelEventArgsSchema = z.object({
  target: TargetArgsSchema,
  all: z
    .boolean()
    .nullable()
    .optional()
    .describe(
      'true for a bulk cancel of every matching event in a bounded span ("cancel all my meetings on Friday", "clear ' +
        'all standups next week"): target.day is then required and target.title is the kind of event, or null for ' +
        '"all my meetings/events/appointments"; null otherwise',
    ),
});

export const CheckAvailabilityArgsSchema = z.object({
  window: phrase(
    'The time or span asked about ("Thursday at 2", "tomorrow afternoon", "Friday", "3pm on Friday")',
  ),
  attendees: PlanSchema.shape.attendees.describe(
    'The other people whose free/busy counts too, as written: names or email addresses ("am I free with Priya ' +
      'Thursday at 2?" → ["Priya"], "is Sam free at 3?" → ["Sam"]); null when only the user is asked about',
  ),
});

export const InviteArgsSchema = z.object({
  target: TargetArgsSchema.nullable().describe(
    'The existing event to invite them to ("the offsite", "tomorrow\'s standup"); null for "invite Sam too" (the ' +
      'event just discussed)',
  ),
  attendees: z
    .array(z.string().trim().min(1).max(320))
    .min(1)
    .max(50)
    .describe('The people to invite, as written: names ("Priya", "Sam Lee") or email addresses'),
});

export const UndoArgsSchema = z.object({}).describe('No arguments');

export const ListEventsArgsSchema = z.object({
  window: phrase(
    'The span to list ("today", "tomorrow", "this week", "this weekend", "between June 1 and June 5")',
  ),
});

export const FindFreeTimeArgsSchema = z.object({
  window: phrase('The span to look for free time in ("tomorrow", "this week")'),
  durationMinutes: PlanSchema.shape.durationMinutes.describe(
    'Length of the free slot wanted in minutes (60 when not given)',
  ),
  attendees: PlanSchema.shape.attendees.describe(
    'The other people to find time with, as written: names or email addresses ("find time with Priya"); null when none',
  ),
});

export const UnknownRequestArgsSchema = z.object({
  reason: z
    .string()
    .trim()
    .max(300)
    .describe("Why this is not a request about the user's calendar (one short sentence)"),
});

export const ResolveTimeArgsSchema = z.object({
  text: phrase('A time phrase to check'),
});

interface ToolSpec<S extends z.ZodType> {
  readonly intent: Intent;
  readonly description: string;
  readonly schema: S;
}

/** The tools that end the interpretation, by name. */
export const INTENT_TOOLS = {
  create_event: {
    intent: 'create',
    description:
      'Add a new event to the user\'s calendar (also for requests that just name an event and a time, e.g. "Gym at 6", ' +
      'and for blocks: "block Friday afternoon for deep work" → title "Deep work", start "Friday 12:00", end "Friday ' +
      '17:00"; morning 08:00–12:00, afternoon 12:00–17:00, evening 17:00–22:00; with no "for" the title is "Busy").',
    schema: CreateEventArgsSchema,
  },
  move_event: {
    intent: 'move',
    description:
      'Move or reschedule one existing event ("move", "reschedule", "push", "postpone", "shift"): to a new time with ' +
      'newStart, or by a relative amount with shiftMinutes / shiftDays ("push the standup 30 minutes later", "move ' +
      'the review to next week"), or to a new length with newLengthMinutes ("make it 30 minutes").',
    schema: MoveEventArgsSchema,
  },
  cancel_event: {
    intent: 'cancel',
    description:
      'Cancel or delete one existing event, or with all=true every matching event in a BOUNDED span ("cancel all my ' +
      'meetings on Friday", "clear all standups next week"). Never for unbounded bulk requests such as "delete all my ' +
      'events" (use unknown_request).',
    schema: CancelEventArgsSchema,
  },
  check_availability: {
    intent: 'check',
    description:
      'Answer yes or no whether a time or span is free ("am I free Thursday at 2?", "do I have anything tomorrow ' +
      'afternoon?", "is 3pm free on Friday?", "am I busy tomorrow morning?"), also with other people ("am I free ' +
      'with Priya Thursday at 2?", "is Sam free at 3 tomorrow?").',
    schema: CheckAvailabilityArgsSchema,
  },
  invite_attendees: {
    intent: 'invite',
    description:
      'Invite people to an existing event ("invite Priya and Lee to the offsite", "add sam@example.com to ' +
      'tomorrow\'s standup", "invite Sam too").',
    schema: InviteArgsSchema,
  },
  undo_last_change: {
    intent: 'undo',
    description:
      'Revert the user\'s most recent applied change ("undo", "undo that", "never mind, put it back").',
    schema: UndoArgsSchema,
  },
  list_events: {
    intent: 'list',
    description: 'Show what is on the calendar in a span ("what do I have tomorrow?").',
    schema: ListEventsArgsSchema,
  },
  find_free_time: {
    intent: 'find_free',
    description: 'Find free time of a given length in a span ("find me a free hour tomorrow").',
    schema: FindFreeTimeArgsSchema,
  },
  unknown_request: {
    intent: 'unknown',
    description:
      "Anything that is not a request about this user's calendar (small talk, questions, gibberish), and every bulk " +
      'destructive request without a bounded span ("delete all my events", "clear my calendar").',
    schema: UnknownRequestArgsSchema,
  },
} as const satisfies Record<string, ToolSpec<z.ZodType>>;

export type IntentToolName = keyof typeof INTENT_TOOLS;
export type IntentToolArgs<N extends IntentToolName> = z.infer<(typeof INTENT_TOOLS)[N]['schema']>;

export const RESOLVE_TIME_TOOL = {
  name: 'resolve_time',
  description:
    'Check how the calendar will read a time phrase: returns the intervals it names (UTC and local), whether it is ' +
    'ambiguous, in the past, in a daylight-saving gap or overlap, or outside working hours. Optional.',
  schema: ResolveTimeArgsSchema,
} as const;

export const isIntentTool = (name: string): name is IntentToolName =>
  Object.prototype.hasOwnProperty.call(INTENT_TOOLS, name);

/** The tool list handed to the chat model. */
export function toolDefinitions(): { name: string; description: string; schema: z.ZodType }[] {
  return [
    ...Object.entries(INTENT_TOOLS).map(([name, spec]) => ({
      name,
      description: spec.description,
      schema: spec.schema as z.ZodType,
    })),
    {
      name: RESOLVE_TIME_TOOL.name,
      description: RESOLVE_TIME_TOOL.description,
      schema: RESOLVE_TIME_TOOL.schema,
    },
  ];
}
