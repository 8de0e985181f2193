import { Inject, Injectable } from '@nestjs/common';
import { formatInZone } from '@app/calendar';
import { Plan } from '../../plan/plan.schema';
import { WorkingHoursLike } from '../../resolver/time-resolver';
import { ExecutionContext, ExecutionResult, IntentUseCase } from '../execution';
import { andList, describeWindow, formatMoment } from '../format';
import { FREE_SLOT_FINDER, FreeSlotFinder } from '../free-slots';
import { askAboutPeople, PeopleResolver } from '../people-resolver';
import { windowOf, windowView } from '../plan-window';

/** Outside working hours, free time is looked for in the daytime. */
const DAYTIME: WorkingHoursLike = { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' };

/**
 * `find_free`: free slots of the wanted length in the window, in working hours or else the daytime;
 * with attendees (addresses, or names of people who share their calendars with the user), slots
 * where everyone is free inside everyone's working hours, best first.
 */
@Injectable()
export class FindFreeUseCase implements IntentUseCase {
  constructor(
    @Inject(FREE_SLOT_FINDER) private readonly slots: FreeSlotFinder,
    private readonly people: PeopleResolver,
  ) {}

  async execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const { from, to } = windowOf(plan, ctx.now, zone);
    const durationMinutes = plan.durationMinutes ?? 60;
    const written = plan.attendees ?? [];
    const people = written.length ? await this.people.resolve(ctx.user, written) : null;
    const question = people && askAboutPeople(people);
    if (question) return question;
    const attendees = people?.emails ?? [];
    const search = { from, to, durationMinutes, now: ctx.now, maxResults: 10, attendees };
    const owner = { id: ctx.user.id, email: ctx.user.email, timeZone: zone };
    let outsideWorkingHours = false;
    let found = await this.slots.findSlots({ ...owner, workingHours: ctx.user.workingHours }, search);
    if (!found.slots.length && found.reason === 'outside_working_hours') {
      outsideWorkingHours = true;
      found = await this.slots.findSlots({ ...owner, workingHours: DAYTIME }, search);
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
    const who = attendees.length ? `${andList(['You', ...written])} are` : "You're";
    // Named as the user wrote them, with the address a name stood for.
    const hiddenNames = found.notVisible.map((email) => {
      const name = people?.writtenAs[email];
      return name ? `${name} (${email})` : email;
    });
    const hidden = hiddenNames.length
      ? ` I can't see the calendar of ${andList(hiddenNames)}, so ${hiddenNames.length === 1 ? 'they are' : 'they are all'} left out.`
      : '';
    const reply = slots.length
      ? `${who} free for ${length} ${span} at ${found.slots
          .slice(0, 3)
          .map((s) => formatMoment(s.start, zone))
          .join(
            ', ',
          )}${slots.length > 3 ? ` and ${slots.length - 3} more times` : ''}${outsideWorkingHours ? ' (outside your working hours)' : ''}.${hidden}`
      : `I found no free ${length} ${span}.${hidden}`;
    return {
      reply,
      outcome: 'ok',
      result: {
        type: 'free_slots',
        window: windowView(from, to, zone),
        durationMinutes,
        slots,
        outsideWorkingHours,
        notVisible: found.notVisible,
      },
    };
  }
}
