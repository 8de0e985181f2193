import { Injectable } from '@nestjs/common';
import { EventService } from '@app/calendar';
import { ForbiddenError, NotFoundError, PreconditionFailedError } from '@app/common';
import { AssistantMemoryStore } from '@app/cache';
import { ChangesetService } from '../../changesets/changeset.service';
import { Plan } from '../../plan/plan.schema';
import { OccurrenceCandidate } from '../event-matcher';
import { ExecutionContext, ExecutionResult, IntentUseCase, owner, requestOf, timingOf } from '../execution';
import { quote } from '../format';
import { askAboutPeople, PeopleResolver } from '../people-resolver';
import { TargetFinder } from '../target-finder';

/**
 * `invite` ("invite Sam to the design review", "invite Sam too"): resolves the people among the
 * user's contacts (asking when a name is unknown or ambiguous), finds the event (the one just
 * discussed when none is named) and adds them to its guest list through EventService — the same
 * update as PATCH /v1/events/{id}, so SEQUENCE and invitation mail behave as in the API. The whole
 * series of a recurring event. Recorded as an applied changeset, so "undo" takes them off again.
 */
@Injectable()
export class InviteUseCase implements IntentUseCase {
  constructor(
    private readonly targets: TargetFinder,
    private readonly people: PeopleResolver,
    private readonly events: EventService,
    private readonly changesets: ChangesetService,
    private readonly memory: AssistantMemoryStore,
  ) {}

  async execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const written = plan.attendees ?? [];
    if (!written.length)
      return { reply: 'Whom should I invite? Name them or give their email address.', outcome: 'incomplete' };
    const people = await this.people.resolve(ctx.user, written);
    const question = askAboutPeople(people);
    if (question) return question;
    return this.targets.findThen(ctx, plan, (found) => this.inviteTo(ctx, plan, found));
  }

  /** Adds the plan's people to a known event (also the answer to a "which one?" question). */
  async inviteTo(ctx: ExecutionContext, plan: Plan, c: OccurrenceCandidate): Promise<ExecutionResult> {
    const me = owner(ctx.user);
    const people = await this.people.resolve(ctx.user, plan.attendees ?? []);
    const question = askAboutPeople(people);
    if (question) return question;
    const current = await this.events.get(me, c.eventId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    if (!current) return { reply: `${quote(c.title)} is no longer on your calendar.`, outcome: 'not_found' };
    await this.memory.rememberEvent(ctx.user.id, {
      eventId: c.eventId,
      occurrenceStart: c.occurrenceStart,
      title: c.title,
    });
    const before = current.attendees.map((a) => a.email);
    const self = ctx.user.email.toLowerCase();
    const added = people.emails.filter((e) => e !== self && !before.includes(e));
    if (!added.length)
      return { reply: `Everyone you named is already invited to ${quote(c.title)}.`, outcome: 'ok' };
    let updated;
    try {
      ({ event: updated } = await this.events.update(
        me,
        c.eventId,
        { attendees: [...before, ...added].map((email) => ({ email })) },
        { scope: 'all', ifMatch: `"${current.version}"` },
      ));
    } catch (err) {
      if (err instanceof ForbiddenError)
        return {
          reply: `Only the organizer invites people to ${quote(c.title)}; you are a guest of it.`,
          outcome: 'refused',
        };
      if (err instanceof PreconditionFailedError)
        return { reply: `${quote(c.title)} changed just now; ask again.`, outcome: 'refused' };
      throw err;
    }
    const changeset = await this.changesets.recordApplied(
      me,
      {
        kind: 'invite',
        items: [
          {
            eventId: updated.id,
            title: updated.title,
            recurring: !!updated.recurrence,
            overridden: false,
            scope: 'all',
            occurrenceStart: null,
            before: timingOf(current),
            after: timingOf(updated),
            attendeesBefore: before,
            attendeesAfter: updated.attendees.map((a) => a.email),
            previewVersion: current.version,
            appliedVersion: updated.version,
          },
        ],
        conflicts: [],
        occurrences: 1,
        summary: `Invite ${added.join(', ')} to ${quote(updated.title)}`,
        request: requestOf(ctx, plan),
      },
      ctx.now,
    );
    return {
      reply: `Invited ${added.join(', ')} to ${quote(updated.title)}.`,
      outcome: 'ok',
      changeset,
      result: { type: 'invited', event: updated, added },
    };
  }
}
