import { Injectable } from '@nestjs/common';
import {
  addDays,
  daysBetween,
  EventService,
  instantToLocal,
  instantToLocalDate,
  wallClockOf,
} from '@app/calendar';
import type { ChangesetTimingDoc } from '../../changesets/changeset.schema';
import { Plan } from '../../plan/plan.schema';
import { TimeResolver } from '../../resolver/time-resolver';
import { ChangePreviewer } from '../change-preview';
import { OccurrenceCandidate } from '../event-matcher';
import { ExecutionContext, ExecutionResult, IntentUseCase } from '../execution';
import { formatSpan, quote } from '../format';
import { describeShift, parseShift, shiftTiming } from '../shift';
import { TargetFinder } from '../target-finder';

const HOUR_MS = 3_600_000;

/** `move`: finds the one occurrence meant and previews it at its new time (never applied unconfirmed). */
@Injectable()
export class MoveUseCase implements IntentUseCase {
  constructor(
    private readonly targets: TargetFinder,
    private readonly previewer: ChangePreviewer,
    private readonly events: EventService,
    private readonly resolver: TimeResolver,
  ) {}

  execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    return this.targets.findThen(ctx, plan, (found) => this.previewFor(ctx, plan, found));
  }

  /** The preview for a known occurrence (also the answer to a "which one?" question). */
  previewFor(ctx: ExecutionContext, plan: Plan, c: OccurrenceCandidate): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    return this.previewer.preview(ctx, plan, 'move', c, async (before, current) => {
      let after: ChangesetTimingDoc | null;
      if (plan.shift) {
        const shift = parseShift(plan.shift);
        if (!shift) return { reply: `I couldn't read the shift "${plan.shift}".`, outcome: 'incomplete' };
        after = shiftTiming(before, shift, current.timeZone);
        if (!after)
          return {
            reply: `${quote(c.title)} is an all-day event: it moves by whole days, not ${describeShift(shift).replace(/ (later|earlier)$/, '')}.`,
            outcome: 'incomplete',
          };
      } else if (!plan.event?.start && !plan.event?.end && plan.durationMinutes && !before.allDay) {
        // "make it 30 minutes": the same start, a new length.
        after = {
          allDay: false,
          start: before.start,
          end: new Date(before.start.getTime() + plan.durationMinutes * 60_000),
        };
      } else after = this.newTiming(ctx, plan, c);
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
      const conflicts = await this.events.conflicts(ctx.user.id, {
        id: c.eventId,
        start: after.start,
        end: after.end,
        timeZone: zone,
        allDay: after.allDay,
        ...(after.allDay ? { startDate: after.startDate, endDate: after.endDate } : {}),
        recurrence: null,
        fields: { title: c.title },
      });
      const summary = `Move ${quote(c.title)} from ${formatSpan(before.start, before.end, before.allDay, zone)} to ${formatSpan(after.start, after.end, after.allDay, zone)}`;
      return { after, conflicts, summary };
    });
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
    const time = wallClockOf(!namesTime && !c.allDay ? c.start : start, zone);
    const rebased = this.resolver.at(day, time, zone).instant;
    if (end) end = new Date(end.getTime() + (rebased.getTime() - start.getTime()));
    start = rebased;
    const midnight = instantToLocal(start, zone).local.slice(11, 16) === '00:00';
    if (c.allDay && midnight && !end) {
      // An all-day event keeps its number of days.
      const days = Math.max(
        1,
        daysBetween(instantToLocalDate(c.start, zone), instantToLocalDate(c.end, zone)),
      );
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
    const duration = c.allDay ? HOUR_MS : c.end.getTime() - c.start.getTime();
    return { allDay: false, start, end: end && end > start ? end : new Date(start.getTime() + duration) };
  }
}
