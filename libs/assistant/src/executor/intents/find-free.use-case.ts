import { Inject, Injectable } from '@nestjs/common';
import { formatInZone } from '@app/calendar';
import { Plan } from '../../plan/plan.schema';
import { WorkingHoursLike } from '../../resolver/time-resolver';
import { ExecutionContext, ExecutionResult, IntentUseCase } from '../execution';
import { describeWindow, formatMoment } from '../format';
import { FREE_SLOT_FINDER, FreeSlotFinder } from '../free-slots';
import { windowOf, windowView } from '../plan-window';

/** Outside working hours, free time is looked for in the daytime. */
const DAYTIME: WorkingHoursLike = { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' };

/** `find_free`: free slots of the wanted length in the window, in working hours or else the daytime. */
@Injectable()
export class FindFreeUseCase implements IntentUseCase {
  constructor(@Inject(FREE_SLOT_FINDER) private readonly slots: FreeSlotFinder) {}

  async execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
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
        window: windowView(from, to, zone),
        durationMinutes,
        slots,
        outsideWorkingHours,
      },
    };
  }
}
