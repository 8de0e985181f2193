import { addDays, formatInZone, instantToLocalDate } from '@app/calendar';
import { Plan, PlanSchema, PlanTarget } from '../plan/plan.schema';
import { PhraseReading, WallTime } from '../resolver/phrase-reader';
import { lengthMinutes, ResolveContext, TimeResolver } from '../resolver/time-resolver';
import { formatShift } from '../interpreter/durations';
import { checkWindowFor } from '../interpreter/offline.interpreter';
import {
  CancelEventArgsSchema,
  CheckAvailabilityArgsSchema,
  CreateEventArgsSchema,
  FindFreeTimeArgsSchema,
  INTENT_TOOLS,
  IntentToolName,
  InviteArgsSchema,
  ListEventsArgsSchema,
  MoveEventArgsSchema,
  TargetArgs,
} from './llm-tools';
import { z } from 'zod';

/**
 * Tool call → plan. The model's arguments are validated against the tool's schema, every time
 * phrase is resolved by the TimeResolver (the contract's conventions, the user's zone, DST), and
 * the resulting plan is validated against PlanSchema. Anything that fails is an InvalidToolOutput:
 * the caller falls back to the offline interpreter rather than act on it.
 */

export class InvalidToolOutput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidToolOutput';
  }
}

const WITH_OFFSET = /\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})(?![\d])/i;
const MINUTE_MS = 60_000;

interface Target {
  plan: PlanTarget;
  /** The day the event was named on (or its start's day), `YYYY-MM-DD`. */
  day: string | null;
  time: WallTime | null;
  start: Date | null;
}

export class ToolPlanBuilder {
  constructor(
    private readonly resolver: TimeResolver,
    private readonly ctx: ResolveContext,
  ) {}

  build(tool: IntentToolName, rawArgs: unknown): Plan {
    const parsed = INTENT_TOOLS[tool].schema.safeParse(rawArgs);
    if (!parsed.success) {
      throw new InvalidToolOutput(
        `${tool}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'} ${i.message}`).join('; ')}`,
      );
    }
    let plan: Plan;
    switch (tool) {
      case 'create_event':
        plan = this.create(parsed.data as z.infer<typeof CreateEventArgsSchema>);
        break;
      case 'move_event':
        plan = this.move(parsed.data as z.infer<typeof MoveEventArgsSchema>);
        break;
      case 'cancel_event': {
        const args = parsed.data as z.infer<typeof CancelEventArgsSchema>;
        const target = this.target(args.target).plan;
        if (args.all) {
          // Convention 19: a bulk cancel needs a bounded span; without one the request is refused.
          if (!target.from || !target.to)
            throw new InvalidToolOutput('cancel_event: all=true needs a bounded span in target.day');
          target.all = true;
          target.start = null;
          if (
            target.title &&
            /^(?:all\s+)?(?:my\s+)?(?:meetings?|events?|appointments?|everything)$/i.test(target.title)
          )
            target.title = null;
        }
        plan = { ...empty('cancel'), target };
        break;
      }
      case 'check_availability': {
        const args = parsed.data as z.infer<typeof CheckAvailabilityArgsSchema>;
        const phrase = args.window;
        this.read(phrase, 'window'); // refuses offsets
        const window = checkWindowFor(phrase, this.iso(this.ctx.now), this.ctx.timeZone);
        if (!window) throw new InvalidToolOutput(`window "${phrase}" cannot be read`);
        plan = {
          ...empty('check'),
          window,
          ...(args.attendees?.length ? { attendees: args.attendees } : {}),
        };
        break;
      }
      case 'invite_attendees': {
        const args = parsed.data as z.infer<typeof InviteArgsSchema>;
        plan = {
          ...empty('invite'),
          target: args.target ? this.target(args.target).plan : null,
          attendees: args.attendees,
        };
        break;
      }
      case 'undo_last_change':
        plan = empty('undo');
        break;
      case 'list_events':
        plan = {
          ...empty('list'),
          window: this.window((parsed.data as z.infer<typeof ListEventsArgsSchema>).window).window,
        };
        break;
      case 'find_free_time': {
        const args = parsed.data as z.infer<typeof FindFreeTimeArgsSchema>;
        const { window, reading } = this.window(args.window);
        plan = {
          ...empty('find_free'),
          window,
          durationMinutes: args.durationMinutes ?? reading.minutes ?? 60,
          ...(args.attendees?.length ? { attendees: args.attendees } : {}),
        };
        break;
      }
      default:
        plan = empty('unknown');
    }
    const valid = PlanSchema.safeParse(plan);
    if (!valid.success)
      throw new InvalidToolOutput(
        `plan: ${valid.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    if (
      (plan.intent === 'move' || plan.intent === 'cancel') &&
      !plan.target?.title &&
      !plan.target?.start &&
      !plan.target?.from
    ) {
      throw new InvalidToolOutput(`${tool}: the target names no event`);
    }
    return valid.data;
  }

  // ── create ────────────────────────────────────────────────────────────────────────────────────

  private create(args: z.infer<typeof CreateEventArgsSchema>): Plan {
    const zone = this.ctx.timeZone;
    const r = this.read(args.start, 'start');
    const recurrence = this.recurrence(args.recurrence) ?? r.recurrence;
    const timed = r.time !== null && args.allDay !== true;
    let start: Date;
    let end: Date;
    let allDay = false;

    if (recurrence) {
      const anchor = r.anchor ?? r.days[0] ?? r.span?.from ?? null;
      const minutes =
        args.durationMinutes ?? r.rangeMinutes ?? r.minutes ?? this.endMinutes(args.end, r.time);
      const first = this.resolver.occurrences(
        recurrence,
        timed
          ? { time: r.time, anchor, durationMinutes: minutes ?? 60 }
          : { time: null, anchor, days: r.lengthDays ?? 1 },
        this.ctx,
        1,
      )[0];
      if (!first) throw new InvalidToolOutput(`recurrence "${recurrence}" has no occurrence ahead`);
      ({ start, end } = first);
      allDay = first.allDay;
    } else if (r.relative !== null && r.time === null) {
      start = new Date(r.relative);
      end = args.end
        ? this.endAfter(start, args.end)
        : new Date(start.getTime() + (args.durationMinutes ?? lengthMinutes(r)) * MINUTE_MS);
    } else if (timed && r.time) {
      const day = r.days[0] ?? r.span?.from ?? null;
      start = (day ? this.resolver.at(day, r.time, zone) : this.resolver.nextAt(r.time, this.ctx)).instant;
      const startDay = instantToLocalDate(start, zone);
      if (args.end) end = this.endAfter(start, args.end);
      else if (args.durationMinutes) end = new Date(start.getTime() + args.durationMinutes * MINUTE_MS);
      else if (r.rangeMinutes !== null)
        end = this.resolver.atPlus(startDay, r.time, r.rangeMinutes, zone).instant;
      else end = new Date(start.getTime() + lengthMinutes(r) * MINUTE_MS);
    } else {
      allDay = true;
      const first =
        r.days[0] ??
        r.span?.from ??
        (r.relative !== null ? instantToLocalDate(new Date(r.relative), zone) : null);
      if (!first) throw new InvalidToolOutput(`start "${args.start}" names no day or time`);
      let last: string; // exclusive
      if (args.end) {
        const e = this.read(args.end, 'end');
        const endDay = e.days[e.days.length - 1] ?? (e.span ? addDays(e.span.to, -1) : null);
        if (!endDay) throw new InvalidToolOutput(`end "${args.end}" names no day`);
        last = addDays(endDay, 1);
      } else if (r.span && !r.days.length) {
        last = r.lengthDays ? addDays(first, r.lengthDays) : r.span.to;
      } else {
        last = addDays(first, r.lengthDays ?? 1);
      }
      if (last <= first) throw new InvalidToolOutput('the event ends before it starts');
      start = this.resolver.midnight(first, zone);
      end = this.resolver.midnight(last, zone);
    }
    if (end.getTime() <= start.getTime()) throw new InvalidToolOutput('the event ends before it starts');
    return {
      ...empty('create'),
      event: {
        title: args.title,
        start: this.iso(start),
        end: this.iso(end),
        allDay,
        recurrence,
        location: args.location?.trim() || null,
        ...(args.attendees?.length ? { attendees: args.attendees } : {}),
      },
    };
  }

  /** An RRULE as given, or a recurrence phrase read by the resolver. */
  private recurrence(value: string | null): string | null {
    if (!value) return null;
    const rule = value.trim().replace(/^RRULE:/i, '');
    if (/^FREQ=/i.test(rule)) return rule.toUpperCase();
    const reading = this.read(value, 'recurrence');
    if (!reading.recurrence) throw new InvalidToolOutput(`recurrence "${value}" is not a recurrence`);
    return reading.recurrence;
  }

  /** An end phrase after `start`: a time without a date falls on the start's day, or the next day when earlier. */
  private endAfter(start: Date, phrase: string): Date {
    const zone = this.ctx.timeZone;
    const e = this.read(phrase, 'end');
    if (e.relative !== null && !e.time) return new Date(e.relative);
    if (!e.time) {
      const day = e.days[e.days.length - 1];
      if (!day) throw new InvalidToolOutput(`end "${phrase}" names no time`);
      return this.resolver.midnight(addDays(day, 1), zone);
    }
    const startDay = instantToLocalDate(start, zone);
    let end = this.resolver.at(e.days[0] ?? startDay, e.time, zone).instant;
    if (!e.days.length && end.getTime() <= start.getTime())
      end = this.resolver.at(addDays(startDay, 1), e.time, zone).instant;
    return end;
  }

  /** Minutes from a start time of day to an end phrase's time of day (for a recurring event). */
  private endMinutes(phrase: string | null, startTime: WallTime | null): number | null {
    if (!phrase || !startTime) return null;
    const e = this.read(phrase, 'end');
    if (!e.time) return null;
    const diff = e.time.hour * 60 + e.time.minute - (startTime.hour * 60 + startTime.minute);
    return diff > 0 ? diff : diff + 1440;
  }

  // ── move / cancel ─────────────────────────────────────────────────────────────────────────────

  private target(args: TargetArgs): Target {
    const zone = this.ctx.timeZone;
    const dayReading = args.day ? this.read(args.day, 'target.day') : null;
    const namedDay = dayReading?.days[0] ?? dayReading?.span?.from ?? null;
    let start: Date | null = null;
    let time: WallTime | null = null;
    if (args.time) {
      const t = this.read(args.time, 'target.time');
      if (t.time) {
        time = t.time;
        const day = t.days[0] ?? namedDay;
        start = (day ? this.resolver.at(day, t.time, zone) : this.resolver.nextAt(t.time, this.ctx)).instant;
      } else if (t.relative !== null) {
        start = new Date(t.relative);
      }
    }
    let from: Date | null = null;
    let to: Date | null = null;
    if (!start && dayReading) {
      if (dayReading.days.length) {
        from = this.resolver.midnight(dayReading.days[0], zone);
        to = this.resolver.midnight(addDays(dayReading.days[dayReading.days.length - 1], 1), zone);
      } else if (dayReading.span) {
        from = dayReading.spanFromNow ? this.ctx.now : this.resolver.midnight(dayReading.span.from, zone);
        to = this.resolver.midnight(dayReading.span.to, zone);
      }
    }
    return {
      plan: {
        title: args.title?.trim() || null,
        start: start ? this.iso(start) : null,
        from: from ? this.iso(from) : null,
        to: to ? this.iso(to) : null,
      },
      day: namedDay ?? (start ? instantToLocalDate(start, zone) : null),
      time,
      start,
    };
  }

  private move(args: z.infer<typeof MoveEventArgsSchema>): Plan {
    const zone = this.ctx.timeZone;
    const target = this.target(args.target);
    let start: Date | null = null;
    let end: Date | null = null;
    if (args.newStart) {
      const n = this.read(args.newStart, 'newStart');
      const day = n.days[0] ?? n.span?.from ?? null;
      if (n.relative !== null && !n.time) start = new Date(n.relative);
      else if (n.time) {
        const base = day ?? target.day;
        start = (base ? this.resolver.at(base, n.time, zone) : this.resolver.nextAt(n.time, this.ctx))
          .instant;
        if (n.rangeMinutes !== null)
          end = this.resolver.atPlus(instantToLocalDate(start, zone), n.time, n.rangeMinutes, zone).instant;
      } else if (day) {
        start = target.time
          ? this.resolver.at(day, target.time, zone).instant
          : this.resolver.midnight(day, zone);
      } else {
        throw new InvalidToolOutput(`newStart "${args.newStart}" names no time`);
      }
      if (!end && n.minutes !== null) end = new Date(start.getTime() + n.minutes * MINUTE_MS);
    } else if (args.newLengthMinutes && !args.shiftMinutes && !args.shiftDays) {
      // "make it 30 minutes": the start stays, the executor sets end = start + length.
      return { ...empty('move'), target: target.plan, durationMinutes: args.newLengthMinutes };
    } else if (args.shiftMinutes || args.shiftDays) {
      if ((args.shiftMinutes ?? 0) * (args.shiftDays ?? 0) < 0)
        throw new InvalidToolOutput('move_event: shiftMinutes and shiftDays point in different directions');
      // Convention 16: a relative move; the executor applies it in the event's wall-clock time.
      return {
        ...empty('move'),
        target: target.plan,
        shift: formatShift(args.shiftDays ?? 0, args.shiftMinutes ?? 0),
      };
    }
    if (args.newEnd && start) end = this.endAfter(start, args.newEnd);
    return {
      ...empty('move'),
      event: {
        title: null,
        start: start ? this.iso(start) : null,
        end: end ? this.iso(end) : null,
        allDay: null,
        recurrence: null,
        location: null,
      },
      target: target.plan,
    };
  }

  // ── list / find_free ──────────────────────────────────────────────────────────────────────────

  private window(phrase: string): { window: { from: string; to: string }; reading: PhraseReading } {
    const zone = this.ctx.timeZone;
    const w = this.read(phrase, 'window');
    let from: Date;
    let to: Date;
    if (w.span) {
      from = w.spanFromNow ? this.ctx.now : this.resolver.midnight(w.span.from, zone);
      to = this.resolver.midnight(w.span.to, zone);
    } else if (w.days.length) {
      const sorted = [...w.days].sort();
      from = this.resolver.midnight(sorted[0], zone);
      to = this.resolver.midnight(addDays(sorted[sorted.length - 1], 1), zone);
    } else {
      const at = w.time
        ? this.resolver.nextAt(w.time, this.ctx).instant
        : w.relative !== null
          ? new Date(w.relative)
          : this.ctx.now;
      const day = instantToLocalDate(at, zone);
      from = this.resolver.midnight(day, zone);
      to = this.resolver.midnight(addDays(day, 1), zone);
    }
    return { window: { from: this.iso(from), to: this.iso(to) }, reading: w };
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────────────

  private read(phrase: string, field: string): PhraseReading {
    if (WITH_OFFSET.test(phrase)) {
      throw new InvalidToolOutput(
        `${field} "${phrase}" carries a UTC offset; times must be phrases or local times`,
      );
    }
    return this.resolver.read(phrase, this.ctx);
  }

  private iso(instant: Date): string {
    return formatInZone(instant, this.ctx.timeZone);
  }
}

function empty(intent: Plan['intent']): Plan {
  return { intent, event: null, target: null, window: null, durationMinutes: null };
}
