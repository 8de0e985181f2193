import type { CalendarOwner, Conflict, EventResponse, OccurrenceResponse } from '@app/calendar';
import type { Interpretation } from '../assistant/assistant-interpreter';
import type { ChangesetRequestDoc, ChangesetTimingDoc } from '../changesets/changeset.schema';
import type { ChangesetView } from '../changesets/changeset.service';
import type { Plan } from '../plan/plan.schema';
import type { WorkingHoursLike } from '../resolver/time-resolver';

/** The calling user, as the executor needs them. Every action is on this user's calendar only. */
export interface AssistantUser {
  id: string;
  email: string;
  timeZone: string;
  workingHours: WorkingHoursLike;
}

/** The word the assistant substitutes for "it" / "that" when the interpreter needs a name. */
export const REFERENCED_EVENT = 'ReferencedEvent';

export type Outcome = 'ok' | 'preview' | 'ambiguous' | 'not_found' | 'incomplete' | 'unknown' | 'refused';

export interface CandidateView {
  number: number;
  eventId: string;
  occurrenceStart: string;
  title: string;
  start: string;
  end: string;
  startLocal: string;
  allDay: boolean;
}

export interface SlotView {
  start: string;
  end: string;
  startLocal: string;
  endLocal: string;
}

/** Something in the way of a checked window. */
export interface BusyView {
  eventId: string;
  title: string;
  start: string;
  end: string;
  startLocal: string;
  endLocal: string;
  allDay: boolean;
}

/** Another person's busy time in a checked window (free/busy: times, never titles). */
export interface PersonBusyView {
  email: string;
  busy: SlotView[];
}

/** A person a name could mean (contacts), offered when the name is ambiguous. */
export interface PersonChoice {
  name: string | null;
  email: string;
}

export interface ExecutionResult {
  reply: string;
  outcome: Outcome;
  /** A preview (with its token) to confirm, or a change set applied or undone at once (no token). */
  changeset?: ChangesetView & { token?: string };
  result?:
    | { type: 'created'; event: EventResponse; conflicts: Conflict[] }
    | { type: 'events'; window: { from: string; to: string }; items: OccurrenceResponse[]; more: boolean }
    | {
        type: 'free_slots';
        window: { from: string; to: string };
        durationMinutes: number;
        slots: SlotView[];
        outsideWorkingHours: boolean;
        /** Attendees whose free/busy the user cannot see (left out of the search). */
        notVisible?: string[];
      }
    | { type: 'choices'; candidates: CandidateView[] }
    | {
        type: 'check';
        window: { from: string; to: string };
        free: boolean;
        busy: BusyView[];
        alternatives: SlotView[];
        /** With attendees: each person whose free/busy the user can see, and their busy time in the window. */
        people?: PersonBusyView[];
        /** With attendees: the people whose free/busy the user cannot see. */
        notVisible?: string[];
      }
    | { type: 'people'; name: string; choices: PersonChoice[] }
    | { type: 'invited'; event: EventResponse; added: string[] };
}

/** A "which one?" question waiting in Redis for its answer: which event, or which person a name means. */
export interface PendingChoice {
  plan: Plan;
  text: string;
  interpretation: Omit<Interpretation, 'plan'>;
  /** Which person: the name written and the contacts it could mean (then `candidates` is empty). */
  person?: { name: string; choices: PersonChoice[] };
  candidates: {
    eventId: string;
    occurrenceStart: string;
    title: string;
    start: string;
    end: string;
    allDay: boolean;
    recurring: boolean;
    overridden: boolean;
  }[];
}

export interface ExecutionContext {
  user: AssistantUser;
  now: Date;
  text: string;
  interpretation: Interpretation;
}

/** One intent's handler: carries a plan of that intent out for the caller. */
export interface IntentUseCase {
  execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult>;
}

export const HELP_REPLY =
  'I can manage your calendar: try "Lunch with Sam tomorrow at noon", "What\'s on my calendar next week?", ' +
  '"Find me a free hour on Friday", "Move my dentist appointment to Thursday at 4pm" or "Cancel tomorrow\'s yoga".';

export function owner(user: AssistantUser): CalendarOwner {
  return { id: user.id, email: user.email, timeZone: user.timeZone };
}

/** How the request was understood, as a changeset's audit record keeps it. */
export function requestOf(ctx: ExecutionContext, plan: Plan): ChangesetRequestDoc {
  const i = ctx.interpretation;
  return {
    text: ctx.text,
    interpreter: i.interpreter,
    model: i.model,
    toolCallIds: i.toolCallIds,
    fallbackReason: i.fallbackReason,
    plan: plan as unknown as Record<string, unknown>,
  };
}

/** An event's timing as a changeset keeps it. */
export function timingOf(
  event: Pick<EventResponse, 'allDay' | 'start' | 'end' | 'startDate' | 'endDate'>,
): ChangesetTimingDoc {
  return {
    allDay: event.allDay,
    start: new Date(event.start),
    end: new Date(event.end),
    ...(event.allDay && event.startDate && event.endDate
      ? { startDate: event.startDate, endDate: event.endDate }
      : {}),
  };
}
