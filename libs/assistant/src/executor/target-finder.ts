import { Injectable } from '@nestjs/common';
import {
  EventQueryService,
  EventService,
  formatInZone,
  instantToLocal,
  SeriesOccurrence,
} from '@app/calendar';
import { NotFoundError } from '@app/common';
import { AssistantMemoryStore } from '@app/cache';
import { Plan, PlanTarget } from '../plan/plan.schema';
import { hhmm, TimeResolver } from '../resolver/time-resolver';
import { isBulkTarget, isPronoun, matchTarget, OccurrenceCandidate, pickChoice } from './event-matcher';
import {
  ExecutionContext,
  ExecutionResult,
  HELP_REPLY,
  owner,
  PendingChoice,
  REFERENCED_EVENT,
} from './execution';
import { describeWindow, formatMoment, formatSpan, quote } from './format';

const DAY_MS = 86_400_000;
const SEARCH_PAST_MS = DAY_MS;
const SEARCH_AHEAD_MS = 30 * DAY_MS;

/** The one occurrence a move or cancel is about, or the reply that ends the request instead. */
export type TargetSearch = { found: OccurrenceCandidate } | { result: ExecutionResult };

/**
 * Finds the target of a move, cancel or invite among the caller's own occurrences (the past day
 * and the next 30 days); several matches → a numbered "which one?" question kept in Redis until
 * answered; bulk targets are refused (a bulk cancel is `target.all`, handled by CancelUseCase).
 *
 * Follow-ups ("move it to 4", "make it 30 minutes", "invite Sam too"): when the plan has no target,
 * or its title is a pronoun ("it", "that") or absent, and it names no start and no span, the
 * target is the event last created, previewed or invited to (AssistantMemoryStore in Redis, 15
 * minutes, shared by every replica). This rule is the executor's, not the plan contract's.
 */
@Injectable()
export class TargetFinder {
  constructor(
    private readonly events: EventService,
    private readonly queries: EventQueryService,
    private readonly memory: AssistantMemoryStore,
    private readonly resolver: TimeResolver,
  ) {}

  async find(ctx: ExecutionContext, plan: Plan): Promise<TargetSearch> {
    // No target at all ("invite Sam too"): the event just discussed.
    const target: PlanTarget = (plan.target as PlanTarget | null) ?? {
      title: null,
      start: null,
      from: null,
      to: null,
    };
    if (isBulkTarget(target.title)) {
      return {
        result: {
          reply: `I only change one event at a time and never in bulk. ${HELP_REPLY}`,
          outcome: 'refused',
        },
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
          result: {
            reply: 'Which event do you mean? Name it, e.g. "move my dentist appointment to 4pm".',
            outcome: 'not_found',
          },
        };
      return { found: candidate };
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
      [ctx.user.id],
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
      return { result: { reply: `I couldn't find ${what}${when} on your calendar.`, outcome: 'not_found' } };
    }
    if (match.kind === 'one') return { found: match.match };
    return { result: await this.ask(ctx, plan, match.matches) };
  }

  /** Finds the target and goes on with it, or answers why not (none, several, refused). */
  async findThen(
    ctx: ExecutionContext,
    plan: Plan,
    then: (found: OccurrenceCandidate) => Promise<ExecutionResult>,
  ): Promise<ExecutionResult> {
    const search = await this.find(ctx, plan);
    return 'result' in search ? search.result : then(search.found);
  }

  /** The candidate an answer to a "which one?" question picks; null when it picks none. */
  answer(ctx: Omit<ExecutionContext, 'interpretation'>, pending: PendingChoice): OccurrenceCandidate | null {
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
    return { ...chosen, start: new Date(chosen.start), end: new Date(chosen.end) };
  }

  /** Saves the question for its answer and asks it, numbering the matches. */
  private async ask(
    ctx: ExecutionContext,
    plan: Plan,
    matches: OccurrenceCandidate[],
  ): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const { plan: _plan, ...interpretation } = ctx.interpretation;
    const pending: PendingChoice = {
      plan,
      text: ctx.text,
      interpretation,
      candidates: matches.map((c) => ({
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
    const candidates = matches.map((c, i) => ({
      number: i + 1,
      eventId: c.eventId,
      occurrenceStart: c.occurrenceStart,
      title: c.title,
      start: c.start.toISOString(),
      end: c.end.toISOString(),
      startLocal: formatInZone(c.start, zone),
      allDay: c.allDay,
    }));
    const list = matches
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
      [ctx.user.id],
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
}

/** An occurrence as the matcher compares it. */
export function toCandidate({ occurrence: o, series: s }: SeriesOccurrence): OccurrenceCandidate {
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
