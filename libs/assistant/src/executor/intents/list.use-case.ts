import { Injectable } from '@nestjs/common';
import { EventQueryService } from '@app/calendar';
import { Plan } from '../../plan/plan.schema';
import { ExecutionContext, ExecutionResult, IntentUseCase, owner } from '../execution';
import { describeWindow, formatMoment, formatSpan, quote } from '../format';
import { windowOf, windowView } from '../plan-window';

const LIST_LIMIT = 50;
const LISTED_IN_REPLY = 5;

/** `list`: the caller's events in the plan's window, the first few named in the reply. */
@Injectable()
export class ListUseCase implements IntentUseCase {
  constructor(private readonly queries: EventQueryService) {}

  async execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const { from, to } = windowOf(plan, ctx.now, zone);
    const page = await this.queries.page(owner(ctx.user), { from, to, zone, limit: LIST_LIMIT });
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
        window: windowView(from, to, zone),
        items,
        more: !!page.nextCursor,
      },
    };
  }
}
