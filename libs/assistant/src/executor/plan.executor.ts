import { Inject, Injectable } from '@nestjs/common';
import {
  addDays,
  CalendarOwner,
  Conflict,
  EventCreateSchema,
  EventQueryService,
  EventResponse,
  EventService,
  formatInZone,
  instantToLocal,
  instantToLocalDate,
  localDateToInstant,
  OccurrenceResponse,
  SeriesOccurrence,
} from '@app/calendar';
import { NotFoundError } from '@app/common';
import { AssistantMemoryStore } from '@app/cache';
import type { Interpretation } from '../assistant/assistant-interpreter';
import { ChangesetDraft, ChangesetService, ChangesetView } from '../changesets/changeset.service';
import type { ChangesetTimingDoc } from '../changesets/changeset.schema';
import { Plan, PlanTarget } from '../plan/plan.schema';
import { hhmm, TimeResolver, WorkingHoursLike } from '../resolver/time-resolver';
import { isBulkTarget, isPronoun, matchTarget, OccurrenceCandidate, pickChoice } from './event-matcher';
import { formatDay, formatMoment, formatSpan, quote } from './format';
import { FREE_SLOT_FINDER, FreeSlotFinder } from './free-slots';

/** The calling user, as the executor needs them. Every action is on this user's calendar only. */
export interface AssistantUser {
  id: string;
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

export interface ExecutionResult {
  reply: string;
  outcome: Outcome;
  changeset?: ChangesetView & { token: string };
  result?:
    | { type: 'created'; event: EventResponse; conflicts: Conflict[] }
    | { type: 'events'; window: { from: string; to: string }; items: OccurrenceResponse[]; more: boolean }
    | {
        type: 'free_slots';
        window: { from: string; to: string };
        durationMinutes: number;
        slots: SlotView[];
        outsideWorkingHours: boolean;
      }
    | { type: 'choices'; candidates: CandidateView[] };
}

/** A "which one?" question waiting in Redis for its answer. */
export interface PendingChoice {
  plan: Plan;
  text: string;
  interpretation: Omit<Interpretation, 'plan'>;
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

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const SEARCH_PAST_MS = DAY_MS;
const SEARCH_AHEAD_MS = 30 * DAY_MS;
const LIST_LIMIT = 50;
const LISTED_IN_REPLY = 5;
/** Outside working hours, free time is looked for in the daytime. */
const DAYTIME: WorkingHoursLike = { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' };

export const HELP_REPLY =
  'I can manage your calendar: try "Lunch with Sam tomorrow at noon", "What\'s on my calendar next week?", ' +
  '"Find me a free hour on Friday", "Move my dentist appointment to Thursday at 4pm" or "Cancel tomorrow\'s yoga".';

/**
 * Carries a plan out on the caller's calendar. list and find_free answer at once; create creates at
 * once; move and cancel only ever produce a changeset (a preview to confirm). The target of a move
 * or cancel is found among the caller's own occurrences (the past day and the next 30 days);
 * several matches → a numbered question; "it"/"that" → the last referenced event.
 */
@Injectable()
export class PlanExecutor {
  constructor(
    private readonly events: EventService,
    private readonly queries: EventQueryService,
    private readonly changesets: ChangesetService,
    private readonly memory: AssistantMemoryStore,
    private readonly resolver: TimeResolver,
    @Inject(FREE_SLOT_FINDER) private readonly slots: FreeSlotFinder,
  ) {}

  async execute(ctx: ExecutionContext): Promise<ExecutionResult> {
    const plan = ctx.interpretation.plan;
    switch (plan.intent) {
      case 'create':
        return this.create(ctx, plan);
      case 'list':
        return this.list(ctx, plan);
      case 'find_free':
        return this.findFree(ctx, plan);
      case 'move':
      case 'cancel':
        return this.change(ctx, plan);
      default:
        return { reply: `I can't help with that. ${HELP_REPLY}`, outcome: 'unknown' };
    }
  }

  /** Continues a move or cancel with the candidate an answer picked; null when the answer picks none. */
  async answerChoice(
    ctx: Omit<ExecutionContext, 'interpretation'>,
    pending: PendingChoice,
  ): Promise<ExecutionResult | null> {
    const zone = ctx.user.timeZone;
    const reading = this.resolver.read(ctx.text, { now: ctx.now, timeZone: zone });
    const answerTimes = [reading.time, reading.alternativeTime].filter((t) => t !== null).map((t) => hhmm(t));
    const localTimes = pending.candidates.map((c) => {
      const local = instantToLocal(new Date(c.start), zone).local;
      return { time: local.slice(11, 16), date: local.slice(0, 10) };
    });
    const index = pickChoice(ctx.text, pending.candidates, {
      localTimes,
      answerTimes,
      answerDays: reading.days,
    });
    if (index === null) return null;
    const chosen = pending.candidates[index];
    const candidate: OccurrenceCandidate = {
      ...chosen,
      start: new Date(chosen.start),
      end: new Date(chosen.end),
    };
    const interpretation: Interpretation = { ...pending.interpretation, plan: pending.plan };
    return this.preview({ ...ctx, text: pending.text, interpretation }, pending.plan, candidate);
  }

  // ── create ────────────────────────────────────────────────────────────────────────────────────

  private async create(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const e = plan.event;
    if (!e?.start || !e.title)
      return { reply: `I couldn't tell when to schedule that. ${HELP_REPLY}`, outcome: 'incomplete' };
    const input = EventCreateSchema.safeParse({
      title: e.title.slice(0, 200),
      start: e.start,
      ...(e.end ? { end: e.end } : {}),
      allDay: !!e.allDay,
      ...(e.recurrence ? { recurrence: e.recurrence } : {}),
      ...(e.location ? { location: e.location.slice(0, 500) } : {}),
      timeZone: ctx.user.timeZone,
    });
    if (!input.success) {
      return {
        reply: `I couldn't create that: ${input.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}.`,
        outcome: 'incomplete',
      };
    }
    const { replayed: _replayed, ...created } = await this.events.create(owner(ctx.user), input.data);
    const event = created.event;
    await this.memory.rememberEvent(ctx.user.id, {
      eventId: event.id,
      occurrenceStart: event.start,
      title: event.title,
    });
    const when = formatSpan(new Date(event.start), new Date(event.end), event.allDay, ctx.user.timeZone);
    const repeats = event.recurrence ? ` (repeats: ${event.recurrence})` : '';
    const clash = created.conflicts.length
      ? ` Heads-up: it overlaps ${created.conflicts
          .slice(0, 3)
          .map((c) => quote(c.title))
          .join(', ')}${created.conflicts.length > 3 ? ' and more' : ''}.`
      : '';
    return {
      reply: `Added ${quote(event.title)} on ${when}${repeats}.${clash}`,
      outcome: 'ok',
      result: { type: 'created', event, conflicts: created.conflicts },
    };
  }

  // ── list and find_free ────────────────────────────────────────────────────────────────────────

  private async list(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const { from, to } = windowOf(plan, ctx.now, zone);
    const page = await this.queries.page(ctx.user.id, { from, to, zone, limit: LIST_LIMIT });
    const span = describeWindow(from, to, zone);
    const items = page.items;
    let reply: string;
    if (items.length === 0) reply = `You have nothing on your calendar ${span}.`;
    else {
      const shown = items
        .slice(0, LISTED_IN_REPLY)
        .map(
          (o) =>
            `${quote(o.title)} ${o.allDay ? `on ${formatSpan(new Date(o.start), new Date(o.end), true, zone)}` : `at ${formatMoment(new Date(o.start), zone)}`}`,
        );
      const rest = items.length - shown.length + (page.nextCursor ? 1 : 0);
      reply = `You have ${items.length}${page.nextCursor ? '+' : ''} event${items.length === 1 && !page.nextCursor ? '' : 's'} ${span}: ${shown.join('; ')}${rest > 0 ? `; and ${page.nextCursor ? 'more' : `${rest} more`}` : ''}.`;
    }
    return {
      reply,
      outcome: 'ok',
      result: {
        type: 'events',
        window: { from: formatInZone(from, zone), to: formatInZone(to, zone) },
        items,
        more: !!page.nextCursor,
      },
    };
  }

  private async findFree(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const { from, to } = windowOf(plan, ctx.now, zone);
    const durationMinutes = plan.durationMinutes ?? 60;
    const search = { from, to, durationMinutes, now: ctx.now, maxResults: 10 };
    let outsideWorkingHours = false;
    let found = await this.slots.findSlots(
      { id: ctx.user.id, timeZone: zone, workingHours: ctx.user.workingHours },
      search,
    );
    if (!found.slots.length && found.reason === 'outside_working_hours') {
      outsideWorkingHours = true;
      found = await this.slots.findSlots({ id: ctx.user.id, timeZone: zone, workingHours: DAYTIME }, search);
    }
    const slots = found.slots.map((s) => ({
      start: s.start.toISOString(),
      end: s.end.toISOString(),
      startLocal: formatInZone(s.start, zone),
      endLocal: formatInZone(s.end, zone),
    }));
    const span = describeWindow(from, to, zone);
    const length =
      durationMinutes % 60 === 0
        ? `${durationMinutes / 60} hour${durationMinutes === 60 ? '' : 's'}`
        : `${durationMinutes} minutes`;
    const reply = slots.length
      ? `You're free for ${length} ${span} at ${found.slots
          .slice(0, 3)
          .map((s) => formatMoment(s.start, zone))
          .join(
            ', ',
          )}${slots.length > 3 ? ` and ${slots.length - 3} more times` : ''}${outsideWorkingHours ? ' (outside your working hours)' : ''}.`
      : `I found no free ${length} ${span}.`;
    return {
      reply,
      outcome: 'ok',
      result: {
        type: 'free_slots',
        window: { from: formatInZone(from, zone), to: formatInZone(to, zone) },
        durationMinutes,
        slots,
        outsideWorkingHours,
      },
    };
  }

  // ── move and cancel ───────────────────────────────────────────────────────────────────────────

  private async change(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const target = plan.target as PlanTarget | null;
    if (!target || isBulkTarget(target.title)) {
      return {
        reply: `I only change one event at a time and never in bulk. ${HELP_REPLY}`,
        outcome: 'refused',
      };
    }
    const referenced =
      (isPronoun(target.title) || target.title?.toLowerCase() === REFERENCED_EVENT.toLowerCase()) &&
      !target.start &&
      !target.from;
    if (referenced) {
      const candidate = await this.rememberedCandidate(ctx);
      if (!candidate)
        return {
          reply: 'Which event do you mean? Name it, e.g. "move my dentist appointment to 4pm".',
          outcome: 'not_found',
        };
      return this.preview(ctx, plan, candidate);
    }
    const query = {
      title: target.title,
      start: target.start ? new Date(target.start) : null,
      from: target.from ? new Date(target.from) : null,
      to: target.to ? new Date(target.to) : null,
    };
    const nowMs = ctx.now.getTime();
    const from = Math.min(
      nowMs - SEARCH_PAST_MS,
      query.from?.getTime() ?? Infinity,
      (query.start?.getTime() ?? Infinity) - 2 * DAY_MS,
    );
    const to = Math.max(
      nowMs + SEARCH_AHEAD_MS,
      query.to?.getTime() ?? 0,
      (query.start?.getTime() ?? 0) + 2 * DAY_MS,
    );
    const occurrences = await this.queries.occurrences(
      ctx.user.id,
      new Date(from),
      new Date(Math.min(to, from + 400 * DAY_MS)),
    );
    const match = matchTarget(query, occurrences.map(toCandidate), ctx.now);
    const what = target.title ? quote(target.title) : 'an event';
    const zone = ctx.user.timeZone;
    if (match.kind === 'none') {
      const when = query.start
        ? ` at ${formatMoment(query.start, zone)}`
        : query.from && query.to
          ? ` ${describeWindow(query.from, query.to, zone)}`
          : ' in the next 30 days';
      return { reply: `I couldn't find ${what}${when} on your calendar.`, outcome: 'not_found' };
    }
    if (match.kind === 'one') return this.preview(ctx, plan, match.match);

    const { plan: _plan, ...interpretation } = ctx.interpretation;
    const pending: PendingChoice = {
      plan,
      text: ctx.text,
      interpretation,
      candidates: match.matches.map((c) => ({
        eventId: c.eventId,
        occurrenceStart: c.occurrenceStart,
        title: c.title,
        start: c.start.toISOString(),
        end: c.end.toISOString(),
        allDay: c.allDay,
        recurring: c.recurring,
        overridden: c.overridden,
      })),
    };
    await this.memory.savePendingChoice(ctx.user.id, pending);
    const candidates = match.matches.map((c, i) => ({
      number: i + 1,
      eventId: c.eventId,
      occurrenceStart: c.occurrenceStart,
      title: c.title,
      start: c.start.toISOString(),
      end: c.end.toISOString(),
      startLocal: formatInZone(c.start, zone),
      allDay: c.allDay,
    }));
    const list = match.matches
      .map((c, i) => `${i + 1}. ${quote(c.title)} ${formatSpan(c.start, c.end, c.allDay, zone)}`)
      .join('; ');
    return {
      reply: `Which one do you mean? ${list}. Answer with a number or a time (e.g. "2" or "the 3pm one").`,
      outcome: 'ambiguous',
      result: { type: 'choices', candidates },
    };
  }

  /** The event "it" refers to: the last one referenced, as its occurrence now stands. */
  private async rememberedCandidate(ctx: ExecutionContext): Promise<OccurrenceCandidate | null> {
    const ref = await this.memory.lastEvent(ctx.user.id);
    if (!ref) return null;
    const at = new Date(ref.occurrenceStart ?? ctx.now);
    const around = await this.queries.occurrences(
      ctx.user.id,
      new Date(at.getTime() - 2 * DAY_MS),
      new Date(at.getTime() + 3 * DAY_MS),
    );
    const found = around
      .map(toCandidate)
      .find(
        (c) => c.eventId === ref.eventId && (!ref.occurrenceStart || c.occurrenceStart === at.toISOString()),
      );
    if (found) return found;
    // Moved far away since: a single event is found by id.
    const event = await this.events.get(owner(ctx.user), ref.eventId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    if (!event || event.recurrence) return null;
    return {
      eventId: event.id,
      occurrenceStart: event.start,
      recurring: false,
      overridden: false,
      title: event.title,
      start: new Date(event.start),
      end: new Date(event.end),
      allDay: event.allDay,
    };
  }

  /** A changeset for one matched occurrence. */
  private async preview(ctx: ExecutionContext, plan: Plan, c: OccurrenceCandidate): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const me = owner(ctx.user);
    const current = await this.events.get(me, c.eventId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    if (!current) return { reply: `${quote(c.title)} is no longer on your calendar.`, outcome: 'not_found' };
    const before = timing(c, zone);
    await this.memory.rememberEvent(ctx.user.id, {
      eventId: c.eventId,
      occurrenceStart: c.occurrenceStart,
      title: c.title,
    });
    let after: ChangesetTimingDoc | null = null;
    let conflicts: Conflict[] = [];
    if (plan.intent === 'move') {
      after = this.newTiming(ctx, plan, c);
      if (!after) return { reply: `When should I move ${quote(c.title)} to?`, outcome: 'incomplete' };
      if (
        after.start.getTime() === before.start.getTime() &&
        after.end.getTime() === before.end.getTime() &&
        after.allDay === before.allDay
      ) {
        return {
          reply: `${quote(c.title)} is already at ${formatSpan(before.start, before.end, before.allDay, zone)}.`,
          outcome: 'ok',
        };
      }
      conflicts = await this.events.conflicts(me, {
        id: c.eventId,
        start: after.start,
        end: after.end,
        timeZone: zone,
        allDay: after.allDay,
        ...(after.allDay ? { startDate: after.startDate, endDate: after.endDate } : {}),
        recurrence: null,
        fields: { title: c.title },
      });
    }
    const summary =
      plan.intent === 'move'
        ? `Move ${quote(c.title)} from ${formatSpan(before.start, before.end, before.allDay, zone)} to ${formatSpan((after as ChangesetTimingDoc).start, (after as ChangesetTimingDoc).end, (after as ChangesetTimingDoc).allDay, zone)}`
        : `Cancel ${quote(c.title)} on ${formatSpan(before.start, before.end, before.allDay, zone)}`;
    const i = ctx.interpretation;
    const draft: ChangesetDraft = {
      kind: plan.intent === 'move' ? 'move' : 'cancel',
      items: [
        {
          eventId: c.eventId,
          title: c.title,
          recurring: c.recurring,
          overridden: c.overridden,
          scope: c.recurring ? 'this' : 'all',
          occurrenceStart: c.recurring ? new Date(c.occurrenceStart) : null,
          before,
          after,
          previewVersion: current.version,
        },
      ],
      conflicts,
      occurrences: 1,
      summary,
      request: {
        text: ctx.text,
        interpreter: i.interpreter,
        model: i.model,
        toolCallIds: i.toolCallIds,
        fallbackReason: i.fallbackReason,
        plan: plan as unknown as Record<string, unknown>,
      },
    };
    const { changeset, token } = await this.changesets.preview(me, draft, ctx.now);
    const series = c.recurring ? ' (only this occurrence of the series)' : '';
    const clash = conflicts.length
      ? ` It would overlap ${conflicts
          .slice(0, 3)
          .map((x) => quote(x.title))
          .join(', ')}.`
      : '';
    return {
      reply: `${summary}${series}?${clash} Confirm within 5 minutes to apply.`,
      outcome: 'preview',
      changeset: { ...changeset, token },
    };
  }

  /**
   * The new timing of a move. When the request names no day ("move it to 4pm", "move my 3pm to
   * 4:30"), the new time is on the event's own day; when it names no time ("move yoga to
   * Friday"), the event keeps its time of day. The duration is kept unless an end is given.
   */
  private newTiming(ctx: ExecutionContext, plan: Plan, c: OccurrenceCandidate): ChangesetTimingDoc | null {
    const zone = ctx.user.timeZone;
    if (!plan.event?.start) return null;
    let start = new Date(plan.event.start);
    let end = plan.event.end ? new Date(plan.event.end) : null;
    const reading = this.resolver.read(ctx.text, { now: ctx.now, timeZone: zone });
    const namesDay = reading.days.length > 0 || reading.span !== null || reading.relative !== null;
    const namesTime = reading.time !== null || reading.relative !== null;
    const day = namesDay ? instantToLocalDate(start, zone) : instantToLocalDate(c.start, zone);
    const time = wallTime(!namesTime && !c.allDay ? c.start : start, zone);
    const rebased = this.resolver.at(day, time, zone).instant;
    if (end) end = new Date(end.getTime() + (rebased.getTime() - start.getTime()));
    start = rebased;
    const midnight = instantToLocal(start, zone).local.slice(11, 16) === '00:00';
    if (c.allDay && midnight && !end) {
      const days = Math.max(1, Math.round((c.end.getTime() - c.start.getTime()) / DAY_MS));
      const startDate = instantToLocalDate(start, zone);
      const endDate = addDays(startDate, days);
      return {
        allDay: true,
        start: this.resolver.midnight(startDate, zone),
        end: this.resolver.midnight(endDate, zone),
        startDate,
        endDate,
      };
    }
    const duration = c.allDay ? 60 * MINUTE_MS : c.end.getTime() - c.start.getTime();
    return { allDay: false, start, end: end && end > start ? end : new Date(start.getTime() + duration) };
  }
}

/** The wall-clock time of an instant in a zone. */
function wallTime(instant: Date, zone: string): { hour: number; minute: number } {
  const local = instantToLocal(instant, zone).local;
  return { hour: Number(local.slice(11, 13)), minute: Number(local.slice(14, 16)) };
}

function owner(user: AssistantUser): CalendarOwner {
  return { id: user.id, timeZone: user.timeZone };
}

function toCandidate({ occurrence: o, series: s }: SeriesOccurrence): OccurrenceCandidate {
  return {
    eventId: o.seriesId,
    occurrenceStart: o.originalStart.toISOString(),
    recurring: !!s.recurrence,
    overridden: o.overridden,
    title: o.fields.title ?? s.fields?.title ?? '',
    start: o.start,
    end: o.end,
    allDay: o.allDay,
  };
}

function timing(c: OccurrenceCandidate, zone: string): ChangesetTimingDoc {
  if (!c.allDay) return { allDay: false, start: c.start, end: c.end };
  return {
    allDay: true,
    start: c.start,
    end: c.end,
    startDate: instantToLocalDate(c.start, zone),
    endDate: instantToLocalDate(c.end, zone),
  };
}

/** The plan's window (at most 92 days), or today when it has none. */
function windowOf(plan: Plan, now: Date, zone: string): { from: Date; to: Date } {
  if (plan.window) {
    const from = new Date(plan.window.from);
    const to = new Date(plan.window.to);
    if (to > from) return { from, to: new Date(Math.min(to.getTime(), from.getTime() + 92 * DAY_MS)) };
  }
  const today = instantToLocalDate(now, zone);
  return { from: localDateToInstant(today, zone), to: localDateToInstant(addDays(today, 1), zone) };
}

/** "tomorrow", "on Tue, Mar 3", "from Mon, Mar 9 to Sun, Mar 15". */
function describeWindow(from: Date, to: Date, zone: string): string {
  const lastInstant = new Date(to.getTime() - 1);
  const first = formatDay(from, zone);
  const last = formatDay(lastInstant, zone);
  return first === last ? `on ${first}` : `from ${first} to ${last}`;
}
