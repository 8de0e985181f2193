import { Injectable } from '@nestjs/common';
import { EventCreateSchema, EventService } from '@app/calendar';
import { AssistantMemoryStore } from '@app/cache';
import { Plan } from '../../plan/plan.schema';
import { ExecutionContext, ExecutionResult, HELP_REPLY, IntentUseCase, owner } from '../execution';
import { formatSpan, quote } from '../format';

/** `create`: creates the event at once and remembers it as what "it" refers to next. */
@Injectable()
export class CreateUseCase implements IntentUseCase {
  constructor(
    private readonly events: EventService,
    private readonly memory: AssistantMemoryStore,
  ) {}

  async execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
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
}
