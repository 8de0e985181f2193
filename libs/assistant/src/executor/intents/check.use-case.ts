import { Inject, Injectable } from '@nestjs/common';
import { EventFields, EventQueryService, formatInZone } from '@app/calendar';
import { Plan } from '../../plan/plan.schema';
import { WorkingHoursLike } from '../../resolver/time-resolver';
import {
  BusyView,
  ExecutionContext,
  ExecutionResult,
  IntentUseCase,
  PersonBusyView,
  SlotView,
} from '../execution';
import { andList, formatMoment, formatSpan, formatTime, quote } from '../format';
import { FREE_SLOT_FINDER, FreeSlotFinder } from '../free-slots';
import { askAboutPeople, PeopleResolver } from '../people-resolver';
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
 *
 * With attendees ("am I free with Priya Thursday at 2?", "is Sam free at 3 tomorrow?") the names are
 * resolved among the user's contacts (asking when unknown or ambiguous, as find_free does), each
 * person's busy time is their free/busy (never their titles), who is busy is said, the alternatives
 * are times everyone is free, and people whose free/busy the user cannot see are named.
 */
@Injectable()
export class CheckUseCase implements IntentUseCase {
  constructor(
    private readonly queries: EventQueryService,
    @Inject(FREE_SLOT_FINDER) private readonly slots: FreeSlotFinder,
    private readonly people: PeopleResolver,
  ) {}

  async execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    const { from, to } = windowOf(plan, ctx.now, zone);
    const written = plan.attendees ?? [];
    const resolved = written.length ? await this.people.resolve(ctx.user, written) : null;
    const question = resolved && askAboutPeople(resolved);
    if (question) return question;
    const others = (resolved?.emails ?? []).filter((e) => e !== ctx.user.email.toLowerCase());
    const nameOf = (email: string) => resolved?.writtenAs[email] ?? email;
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
    const { people, notVisible } = await this.othersBusy(ctx, from, to, others);
    const visible = people.map((p) => p.email);
    const busyPeople = people.filter((p) => p.busy.length > 0);
    const extra = written.length ? { people, notVisible } : {};
    const asked = formatSpan(from, to, isWholeDays(from, to, zone), zone);
    const hiddenNames = notVisible.map((e) => (nameOf(e) === e ? e : `${nameOf(e)} (${e})`));
    const hidden = hiddenNames.length
      ? ` I can't see the calendar of ${andList(hiddenNames)}, so I can't tell whether they are free.`
      : '';
    if (busy.length === 0 && busyPeople.length === 0) {
      const who = visible.length ? `${andList(['you', ...visible.map(nameOf)])} are` : "you're";
      return {
        reply: `Yes — ${who} free ${asked}.${hidden}`,
        outcome: 'ok',
        result: {
          type: 'check',
          window: windowView(from, to, zone),
          free: true,
          busy,
          alternatives: [],
          ...extra,
        },
      };
    }
    const alternatives = await this.alternatives(ctx, from, to, visible);
    const named = busy
      .slice(0, NAMED_IN_REPLY)
      .map((b) => `${quote(b.title)} ${formatSpan(new Date(b.start), new Date(b.end), b.allDay, zone)}`);
    const more = busy.length > NAMED_IN_REPLY ? ` and ${busy.length - NAMED_IN_REPLY} more` : '';
    const reasons = [
      ...(busy.length ? [`you have ${named.join('; ')}${more}`] : []),
      ...busyPeople.map((p) => `${nameOf(p.email)} is busy ${describeBusy(p.busy, zone)}`),
    ];
    const everyone = visible.length ? "You're all free at" : "You're free at";
    const offer = alternatives.length
      ? ` ${everyone} ${alternatives.map((a) => formatMoment(new Date(a.start), zone)).join(', ')}.`
      : ' I found no free time of that length nearby.';
    return {
      reply: `No — ${reasons.join('; ')}.${offer}${hidden}`,
      outcome: 'ok',
      result: {
        type: 'check',
        window: windowView(from, to, zone),
        free: false,
        busy,
        alternatives,
        ...extra,
      },
    };
  }

  /** The other people's busy time in the window (free/busy: times only), and whom the user cannot see. */
  private async othersBusy(
    ctx: ExecutionContext,
    from: Date,
    to: Date,
    emails: string[],
  ): Promise<{ people: PersonBusyView[]; notVisible: string[] }> {
    if (!emails.length) return { people: [], notVisible: [] };
    const zone = ctx.user.timeZone;
    const answer = await this.slots.freeBusy(
      { id: ctx.user.id, email: ctx.user.email, timeZone: zone },
      from,
      to,
      zone,
      emails,
    );
    const people: PersonBusyView[] = [];
    const notVisible: string[] = [];
    for (const p of answer.people) {
      if (p.error || !p.busy) notVisible.push(p.email);
      else
        people.push({
          email: p.email,
          busy: p.busy.map((b) => slotView(new Date(b.start), new Date(b.end), zone)),
        });
    }
    return { people, notVisible };
  }

  /**
   * Free times as long as the asked window (at most 4 hours) on its day and the next, nearest first;
   * with attendees, times when they are free too.
   */
  private async alternatives(
    ctx: ExecutionContext,
    from: Date,
    to: Date,
    attendees: string[],
  ): Promise<SlotView[]> {
    const zone = ctx.user.timeZone;
    const asked = Math.round((to.getTime() - from.getTime()) / MINUTE_MS);
    const durationMinutes = asked > LONGEST_ALTERNATIVE_MINUTES ? 60 : Math.max(15, asked);
    const search = {
      from: new Date(from.getTime() - DAY_MS / 2),
      to: new Date(Math.max(to.getTime(), from.getTime() + DAY_MS) + DAY_MS),
      durationMinutes,
      now: ctx.now,
      maxResults: 20,
      ...(attendees.length ? { attendees } : {}),
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
      .map((s) => slotView(s.start, s.end, zone));
  }
}

const slotView = (start: Date, end: Date, zone: string): SlotView => ({
  start: start.toISOString(),
  end: end.toISOString(),
  startLocal: formatInZone(start, zone),
  endLocal: formatInZone(end, zone),
});

/** "2:00 PM – 2:30 PM", "2:00 PM – 2:30 PM and 2:45 PM – 3:00 PM" (times within the asked window). */
function describeBusy(busy: SlotView[], zone: string): string {
  return andList(
    busy.map((b) => `${formatTime(new Date(b.start), zone)} – ${formatTime(new Date(b.end), zone)}`),
  );
}

/** Local midnight to local midnight: the window is whole days ("am I free Friday?"). */
function isWholeDays(from: Date, to: Date, zone: string): boolean {
  return (
    formatInZone(from, zone).slice(11, 16) === '00:00' &&
    formatInZone(to, zone).slice(11, 16) === '00:00' &&
    to.getTime() - from.getTime() >= DAY_MS - 2 * 3_600_000
  );
}
