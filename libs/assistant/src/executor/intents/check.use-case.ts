import { Inject, Injectable } from '@nestjs/common';
import { EventFields, EventQueryService, formatInZone } from '@app/calendar';
import { Plan } from '../../plan/plan.schema';
import { WorkingHoursLike } from '../../resolver/time-resolver';
import { BusyView, ExecutionContext, ExecutionResult, IntentUseCase, SlotView } from '../execution';
import { formatMoment, formatSpan, quote } from '../format';
import { FREE_SLOT_FINDER, FreeSlotFinder } from '../free-slots';
import { windowOf, windowView } from '../plan-window';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Outside working hours, alternatives are looked for in the daytime. */
const DAYTIME: WorkingHoursLike = { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' };
/** A check of a whole day or more offers alternatives of an hour. */
const LONGEST_ALTERNATIVE_MINUTES = 4 * 60;
const ALTERNATIVES = 3;
const NAMED_IN_REPLY = 3;

/**
 * `check` ("am I free Thursday at 2?"): answers yes or no first — no, naming what is in the way —
 * and, when busy, offers the nearest free times of the same length (the free-slot search of
 * find_free), closest to the asked time first. Busy means an opaque event of the user's own calendar
 * or a meeting they are invited to and have not declined, as free/busy counts it.
 */
@Injectable()
export class CheckUseCase implements IntentUseCase {
  constructor(
    private readonly queries: EventQueryService,
    @Inject(FREE_SLOT_FINDER) private readonly slots: FreeSlotFinder,
  ) {}

  async execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const { from, to } = windowOf(plan, ctx.now, zone);
    const occurrences = await this.queries.personalOccurrences(
      [{ id: ctx.user.id, email: ctx.user.email }],
      from,
      to,
    );
    const busy: BusyView[] = [];
    for (const { occurrence: o, series: s } of occurrences) {
      const fields = { ...s.fields, ...o.fields } as EventFields;
      if (fields.transparency === 'transparent') continue;
      if (o.end <= from || o.start >= to) continue;
      busy.push({
        eventId: o.seriesId,
        title: fields.title ?? '',
        start: o.start.toISOString(),
        end: o.end.toISOString(),
        startLocal: formatInZone(o.start, zone),
        endLocal: formatInZone(o.end, zone),
        allDay: o.allDay,
      });
    }
    const asked = formatSpan(from, to, isWholeDays(from, to, zone), zone);
    if (busy.length === 0) {
      return {
        reply: `Yes — you're free ${asked}.`,
        outcome: 'ok',
        result: { type: 'check', window: windowView(from, to, zone), free: true, busy, alternatives: [] },
      };
    }
    const alternatives = await this.alternatives(ctx, from, to);
    const named = busy
      .slice(0, NAMED_IN_REPLY)
      .map((b) => `${quote(b.title)} ${formatSpan(new Date(b.start), new Date(b.end), b.allDay, zone)}`);
    const more = busy.length > NAMED_IN_REPLY ? ` and ${busy.length - NAMED_IN_REPLY} more` : '';
    const offer = alternatives.length
      ? ` You're free at ${alternatives.map((a) => formatMoment(new Date(a.start), zone)).join(', ')}.`
      : ' I found no free time of that length nearby.';
    return {
      reply: `No — you have ${named.join('; ')}${more}.${offer}`,
      outcome: 'ok',
      result: { type: 'check', window: windowView(from, to, zone), free: false, busy, alternatives },
    };
  }

  /** Free times as long as the asked window (at most 4 hours) on its day and the next, nearest first. */
  private async alternatives(ctx: ExecutionContext, from: Date, to: Date): Promise<SlotView[]> {
    const zone = ctx.user.timeZone;
    const asked = Math.round((to.getTime() - from.getTime()) / MINUTE_MS);
    const durationMinutes = asked > LONGEST_ALTERNATIVE_MINUTES ? 60 : Math.max(15, asked);
    const search = {
      from: new Date(from.getTime() - DAY_MS / 2),
      to: new Date(Math.max(to.getTime(), from.getTime() + DAY_MS) + DAY_MS),
      durationMinutes,
      now: ctx.now,
      maxResults: 20,
    };
    const owner = { id: ctx.user.id, email: ctx.user.email, timeZone: zone };
    let found = await this.slots.findSlots({ ...owner, workingHours: ctx.user.workingHours }, search);
    if (!found.slots.length && found.reason === 'outside_working_hours')
      found = await this.slots.findSlots({ ...owner, workingHours: DAYTIME }, search);
    // The gap between a slot and the asked window: right before or right after is nearest.
    const distance = (s: { start: Date; end: Date }) =>
      s.end <= from ? from.getTime() - s.end.getTime() : s.start.getTime() - to.getTime();
    return found.slots
      .filter((s) => s.end <= from || s.start >= to)
      .sort((a, b) => distance(a) - distance(b) || a.start.getTime() - b.start.getTime())
      .slice(0, ALTERNATIVES)
      .map((s) => ({
        start: s.start.toISOString(),
        end: s.end.toISOString(),
        startLocal: formatInZone(s.start, zone),
        endLocal: formatInZone(s.end, zone),
      }));
  }
}

/** Local midnight to local midnight: the window is whole days ("am I free Friday?"). */
function isWholeDays(from: Date, to: Date, zone: string): boolean {
  return (
    formatInZone(from, zone).slice(11, 16) === '00:00' &&
    formatInZone(to, zone).slice(11, 16) === '00:00' &&
    to.getTime() - from.getTime() >= DAY_MS - 2 * 3_600_000
  );
}
