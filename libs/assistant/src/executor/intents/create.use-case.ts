import { Injectable } from '@nestjs/common';
import { EventCreateSchema, EventService } from '@app/calendar';
import { AssistantMemoryStore } from '@app/cache';
import { ChangesetService } from '../../changesets/changeset.service';
import { Plan } from '../../plan/plan.schema';
import {
  ExecutionContext,
  ExecutionResult,
  HELP_REPLY,
  IntentUseCase,
  owner,
  requestOf,
  timingOf,
} from '../execution';
import { formatSpan, quote } from '../format';
import { askAboutPeople, PeopleResolver } from '../people-resolver';

/**
 * `create`: creates the event at once — a meeting when it names people (names resolved among the
 * user's contacts; an unknown or ambiguous name is asked about and nothing is created) — records it
 * as an applied changeset (so "undo" deletes it) and remembers it as what "it" refers to next.
 */
@Injectable()
export class CreateUseCase implements IntentUseCase {
  constructor(
    private readonly events: EventService,
    private readonly memory: AssistantMemoryStore,
    private readonly people: PeopleResolver,
    private readonly changesets: ChangesetService,
  ) {}

  async execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const e = plan.event;
    if (!e?.start || !e.title)
      return { reply: `I couldn't tell when to schedule that. ${HELP_REPLY}`, outcome: 'incomplete' };
    let attendees: string[] = [];
    if (e.attendees?.length) {
      const people = await this.people.resolve(ctx.user, e.attendees);
      const question = askAboutPeople(people);
      if (question) return question;
      attendees = people.emails.filter((a) => a !== ctx.user.email.toLowerCase());
    }
    const input = EventCreateSchema.safeParse({
      title: e.title.slice(0, 200),
      start: e.start,
      ...(e.end ? { end: e.end } : {}),
      allDay: !!e.allDay,
      ...(e.recurrence ? { recurrence: e.recurrence } : {}),
      ...(e.location ? { location: e.location.slice(0, 500) } : {}),
      ...(attendees.length ? { attendees } : {}),
      timeZone: ctx.user.timeZone,
    });
    if (!input.success) {
      return {
        reply: `I couldn't create that: ${input.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}.`,
        outcome: 'incomplete',
      };
    }
    const me = owner(ctx.user);
    const { replayed: _replayed, ...created } = await this.events.create(me, input.data);
    const event = created.event;
    const when = formatSpan(new Date(event.start), new Date(event.end), event.allDay, ctx.user.timeZone);
    const changeset = await this.changesets.recordApplied(
      me,
      {
        kind: 'create',
        items: [
          {
            eventId: event.id,
            title: event.title,
            recurring: !!event.recurrence,
            overridden: false,
            scope: 'all',
            occurrenceStart: null,
            before: null,
            after: timingOf(event),
            previewVersion: event.version,
            appliedVersion: event.version,
          },
        ],
        conflicts: created.conflicts,
        occurrences: 1,
        summary: `Create ${quote(event.title)} on ${when}`,
        request: requestOf(ctx, plan),
      },
      ctx.now,
    );
    await this.memory.rememberEvent(ctx.user.id, {
      eventId: event.id,
      occurrenceStart: event.start,
      title: event.title,
    });
    const repeats = event.recurrence ? ` (repeats: ${event.recurrence})` : '';
    const guests = attendees.length ? ` with ${attendees.join(', ')} invited` : '';
    const clash = created.conflicts.length
      ? ` Heads-up: it overlaps ${created.conflicts
          .slice(0, 3)
          .map((c) => quote(c.title))
          .join(', ')}${created.conflicts.length > 3 ? ' and more' : ''}.`
      : '';
    return {
      reply: `Added ${quote(event.title)} on ${when}${repeats}${guests}.${clash}`,
      outcome: 'ok',
      changeset,
      result: { type: 'created', event, conflicts: created.conflicts },
    };
  }
}
