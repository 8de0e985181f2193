import { Injectable } from '@nestjs/common';
import { Conflict, EventResponse, EventService, instantToLocalDate } from '@app/calendar';
import { NotFoundError } from '@app/common';
import { AssistantMemoryStore } from '@app/cache';
import { ChangesetDraft, ChangesetService } from '../changesets/changeset.service';
import type { ChangesetTimingDoc } from '../changesets/changeset.schema';
import { Plan } from '../plan/plan.schema';
import { OccurrenceCandidate } from './event-matcher';
import { ExecutionContext, ExecutionResult, owner, requestOf } from './execution';
import { quote } from './format';

/** What a move or cancel would do to one occurrence. */
export interface ChangeDecision {
  after: ChangesetTimingDoc | null;
  conflicts: Conflict[];
  /** "Move 'Yoga' from … to …", "Cancel 'Yoga' on …". */
  summary: string;
}

/** Decides the change from the occurrence's current timing, or answers without one. */
export type Decide = (
  before: ChangesetTimingDoc,
  current: EventResponse,
) => Promise<ChangeDecision | ExecutionResult>;

/**
 * A changeset (a preview to confirm) for one matched occurrence: checks it still exists, remembers
 * it as what "it" refers to next, and stores the change the intent decides.
 */
@Injectable()
export class ChangePreviewer {
  constructor(
    private readonly events: EventService,
    private readonly changesets: ChangesetService,
    private readonly memory: AssistantMemoryStore,
  ) {}

  async preview(
    ctx: ExecutionContext,
    plan: Plan,
    kind: ChangesetDraft['kind'],
    c: OccurrenceCandidate,
    decide: Decide,
  ): Promise<ExecutionResult> {
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
    const decision = await decide(before, current);
    if ('reply' in decision) return decision;
    const { after, conflicts, summary } = decision;
    const draft: ChangesetDraft = {
      kind,
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
      request: requestOf(ctx, plan),
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
}

/** An occurrence's timing as a changeset keeps it (with the dates of an all-day one). */
export function timing(c: OccurrenceCandidate, zone: string): ChangesetTimingDoc {
  if (!c.allDay) return { allDay: false, start: c.start, end: c.end };
  return {
    allDay: true,
    start: c.start,
    end: c.end,
    startDate: instantToLocalDate(c.start, zone),
    endDate: instantToLocalDate(c.end, zone),
  };
}
