import { Injectable } from '@nestjs/common';
import { EventQueryService, EventService } from '@app/calendar';
import { NotFoundError } from '@app/common';
import { ChangesetDraft, ChangesetService } from '../../changesets/changeset.service';
import { Plan } from '../../plan/plan.schema';
import { ChangePreviewer, timing } from '../change-preview';
import { OccurrenceCandidate, titleTier } from '../event-matcher';
import { ExecutionContext, ExecutionResult, IntentUseCase, owner, requestOf } from '../execution';
import { describeWindow, formatSpan, quote } from '../format';
import { TargetFinder, toCandidate } from '../target-finder';

/** A bulk cancel removes at most this many occurrences; more is refused with the count. */
export const MAX_BULK_CANCEL = 50;
/** A bulk cancel's span is at most this long (a bounded span, as the contract demands). */
const MAX_BULK_SPAN_MS = 92 * 86_400_000;
const LISTED_IN_REPLY = 5;

/**
 * `cancel`: finds the one occurrence meant and previews its removal; with `target.all` ("cancel all
 * my meetings on Friday") previews every matching occurrence of the bounded span in ONE changeset
 * (at most 50; more is refused with the count). Nothing is ever applied without confirmation.
 */
@Injectable()
export class CancelUseCase implements IntentUseCase {
  constructor(
    private readonly targets: TargetFinder,
    private readonly previewer: ChangePreviewer,
    private readonly queries: EventQueryService,
    private readonly events: EventService,
    private readonly changesets: ChangesetService,
  ) {}

  execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    if (plan.target?.all) return this.bulk(ctx, plan);
    return this.targets.findThen(ctx, plan, (found) => this.previewFor(ctx, plan, found));
  }

  /** The preview for a known occurrence (also the answer to a "which one?" question). */
  previewFor(ctx: ExecutionContext, plan: Plan, c: OccurrenceCandidate): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    return this.previewer.preview(ctx, plan, 'cancel', c, (before) =>
      Promise.resolve({
        after: null,
        conflicts: [],
        summary: `Cancel ${quote(c.title)} on ${formatSpan(before.start, before.end, before.allDay, zone)}`,
      }),
    );
  }

  /** Every matching occurrence of the span, previewed together. */
  private async bulk(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const target = plan.target;
    const from = target?.from ? new Date(target.from) : null;
    const to = target?.to ? new Date(target.to) : null;
    if (!from || !to || to <= from || to.getTime() - from.getTime() > MAX_BULK_SPAN_MS)
      return {
        reply:
          'I only cancel several events within a day or a span you name, e.g. "cancel all my meetings on Friday".',
        outcome: 'refused',
      };
    const title = target?.title ?? null;
    const matches = (await this.queries.occurrences([ctx.user.id], from, to))
      .map(toCandidate)
      .filter((c) => c.start < to && c.end > from)
      // Generic words ("meetings", "events") match every title; other words must all be found.
      .filter((c) => !title || titleTier(title, c.title, true) >= 2);
    const span = describeWindow(from, to, zone);
    const what = title ? quote(title) : 'events';
    if (matches.length === 0)
      return { reply: `You have no ${what} ${span}; nothing to cancel.`, outcome: 'not_found' };
    if (matches.length > MAX_BULK_CANCEL)
      return {
        reply: `That would cancel ${matches.length} events ${span}; I cancel at most ${MAX_BULK_CANCEL} at once. Name a shorter span or fewer events.`,
        outcome: 'refused',
      };

    const me = owner(ctx.user);
    const versions = new Map<string, number>();
    for (const id of new Set(matches.map((c) => c.eventId))) {
      const current = await this.events.get(me, id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
      if (current) versions.set(id, current.version);
    }
    const items = matches
      .filter((c) => versions.has(c.eventId))
      .map((c) => ({
        eventId: c.eventId,
        title: c.title,
        recurring: c.recurring,
        overridden: c.overridden,
        scope: c.recurring ? ('this' as const) : ('all' as const),
        occurrenceStart: c.recurring ? new Date(c.occurrenceStart) : null,
        before: timing(c, zone),
        after: null,
        previewVersion: versions.get(c.eventId) as number,
      }));
    const summary = `Cancel ${items.length} event${items.length === 1 ? '' : 's'} ${span}`;
    const draft: ChangesetDraft = {
      kind: 'cancel',
      items,
      conflicts: [],
      occurrences: items.length,
      summary,
      request: requestOf(ctx, plan),
    };
    const { changeset, token } = await this.changesets.preview(me, draft, ctx.now);
    const listed = items
      .slice(0, LISTED_IN_REPLY)
      .map((i) => `${quote(i.title)} ${formatSpan(i.before.start, i.before.end, i.before.allDay, zone)}`)
      .join('; ');
    const more = items.length > LISTED_IN_REPLY ? `; and ${items.length - LISTED_IN_REPLY} more` : '';
    return {
      reply: `${summary}: ${listed}${more}? Confirm within 5 minutes to apply.`,
      outcome: 'preview',
      changeset: { ...changeset, token },
    };
  }
}
