import { Injectable } from '@nestjs/common';
import {
  addDays,
  allDayBounds,
  CalendarSeries,
  expandOccurrences,
  formatInZone,
  instantToLocal,
  instantToLocalDate,
  isValidTimeZone,
  localDateToInstant,
  LocalResolution,
  localToInstant,
  parseDate,
  parseRecurrence,
  weekdayOf,
} from '@app/calendar';
import { ValidationError } from '@app/common';
import { PhraseReading, readPhrase, WallTime } from './phrase-reader';

/**
 * The time resolver: a phrase ("tomorrow at 3", "next week", "the first Monday of every month") →
 * the intervals it names, as UTC instants and local times, with what a person should know about
 * them: `ambiguous` (an hour without am/pm — the contract's reading is chosen, the other one is an
 * alternative), `in_dst_gap` / `in_dst_overlap` (the wall-clock time does not exist / happens twice
 * that day), `in_past`, `outside_working_hours`. All date arithmetic of the assistant happens here
 * (and in the offline interpreter it shares its phrase rules with) — never in a language model.
 */

export interface WorkingHoursLike {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** `HH:mm`, inclusive. */
  start: string;
  /** `HH:mm`, exclusive. */
  end: string;
}

/** Monday to Friday, 09:00–17:00: used when the caller has no working hours (the CLI). */
export const DEFAULT_WORKING_HOURS: Readonly<WorkingHoursLike> = Object.freeze({
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '17:00',
});

export interface ResolveContext {
  now: Date;
  timeZone: string;
  workingHours?: WorkingHoursLike;
}

export interface IntervalFlags {
  in_dst_gap: boolean;
  in_dst_overlap: boolean;
  in_past: boolean;
  outside_working_hours: boolean;
}

export interface ResolvedInterval extends IntervalFlags {
  /** UTC instants. */
  start: string;
  end: string;
  /** The same instants with the zone's offset. */
  startLocal: string;
  endLocal: string;
  allDay: boolean;
}

export interface AlternativeInterval extends ResolvedInterval {
  /** The other reading, e.g. "03:00" for "at 3". */
  reading: string;
}

/** time: a moment of a day; day: whole days; span: several days; recurring: a rule's next occurrences. */
export type ResolutionKind = 'time' | 'day' | 'span' | 'recurring' | 'none';

export interface TimeResolution extends IntervalFlags {
  text: string;
  timeZone: string;
  /** The instant the phrase was read at, with the zone's offset. */
  now: string;
  kind: ResolutionKind;
  /** The intervals the phrase names by the contract's conventions (recurring: the next five). */
  candidates: ResolvedInterval[];
  /** RRULE value of a recurrence phrase, else null. */
  recurrence: string | null;
  ambiguous: boolean;
  alternatives: AlternativeInterval[];
  /** Words of the phrase that no rule understood. */
  unparsed: string;
}

/** An instant with the daylight-saving facts of the wall-clock time it came from. */
export type LocalInstant = LocalResolution;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DEFAULT_MINUTES = 60;
const MAX_CANDIDATES = 10;
const RECURRING_CANDIDATES = 5;

const pad = (n: number) => String(n).padStart(2, '0');
export const hhmm = (t: WallTime) => `${pad(t.hour)}:${pad(t.minute)}`;
const minutesOf = (local: string) => Number(local.slice(11, 13)) * 60 + Number(local.slice(14, 16));

/** The written length of a timed interval: "for 90 minutes", "for 2 days", else an hour. */
export function lengthMinutes(reading: PhraseReading): number {
  return reading.minutes ?? (reading.lengthDays ? reading.lengthDays * 1440 : DEFAULT_MINUTES);
}

/** ISO weekday of a `YYYY-MM-DD`. */
export function isoWeekday(date: string): number {
  return weekdayOf(parseDate(date));
}

@Injectable()
export class TimeResolver {
  /** Reads a phrase with the interpreter's rules; a bad zone is the caller's mistake (400). */
  read(text: string, ctx: ResolveContext): PhraseReading {
    requireZone(ctx.timeZone);
    const reading = readPhrase(text, ctx.now.toISOString(), ctx.timeZone);
    if (!reading) throw invalidZone(ctx.timeZone);
    return reading;
  }

  /** The instant of a wall-clock time on a local date (gap: shifted forward; overlap: the earlier one). */
  at(date: string, time: WallTime, zone: string): LocalInstant {
    return localToInstant(`${date}T${hhmm(time)}`, zone);
  }

  /** Local midnight at the start of a date. */
  midnight(date: string, zone: string): Date {
    return localDateToInstant(date, zone);
  }

  /** A time with no date: today if still ahead of now, else tomorrow (docs/assistant-contract.md, convention 5). */
  nextAt(time: WallTime, ctx: ResolveContext): LocalInstant {
    const today = instantToLocalDate(ctx.now, ctx.timeZone);
    const first = this.at(today, time, ctx.timeZone);
    return first.instant.getTime() > ctx.now.getTime()
      ? first
      : this.at(addDays(today, 1), time, ctx.timeZone);
  }

  /** Wall time plus minutes on the wall clock (for "from 8pm to 1am"). */
  atPlus(date: string, time: WallTime, minutes: number, zone: string): LocalInstant {
    const total = time.hour * 60 + time.minute + minutes;
    const days = Math.floor(total / 1440);
    const rest = total - days * 1440;
    return this.at(addDays(date, days), { hour: Math.floor(rest / 60), minute: rest % 60 }, zone);
  }

  /**
   * The first occurrences at or after now of a rule (RRULE value) at a time of day, or all-day
   * when `time` is null, on or after `anchor` when given. Throws ValidationError for a bad rule.
   */
  occurrences(
    rrule: string,
    opts: { time: WallTime | null; anchor: string | null; durationMinutes?: number; days?: number },
    ctx: ResolveContext,
    count = RECURRING_CANDIDATES,
  ): { start: Date; end: Date; allDay: boolean; inGap: boolean; inOverlap: boolean }[] {
    const zone = ctx.timeZone;
    let rule: string;
    try {
      rule = parseRecurrence(rrule);
    } catch (err) {
      throw new ValidationError(
        `Invalid recurrence: ${(err as Error).message.replace(/^recurrence: /, '')}`,
        [{ field: 'recurrence', message: (err as Error).message }],
      );
    }
    const today = instantToLocalDate(ctx.now, zone);
    const first = opts.anchor && opts.anchor > today ? opts.anchor : today;
    let series: CalendarSeries;
    if (opts.time) {
      const start = this.at(first, opts.time, zone).instant;
      const duration = (opts.durationMinutes ?? DEFAULT_MINUTES) * MINUTE_MS;
      series = {
        id: 'phrase',
        start,
        end: new Date(start.getTime() + duration),
        timeZone: zone,
        recurrence: rule,
      };
    } else {
      const endDate = addDays(first, Math.max(1, opts.days ?? 1));
      series = {
        id: 'phrase',
        allDay: true,
        startDate: first,
        endDate,
        ...allDayBounds(first, endDate, zone),
        timeZone: zone,
        recurrence: rule,
      };
    }
    const from = opts.time ? ctx.now : this.midnight(today, zone);
    const { occurrences } = expandOccurrences(
      series,
      { from, to: new Date(from.getTime() + 800 * DAY_MS) },
      { limit: count + 3 },
    );
    return occurrences
      .filter((o) => (opts.time ? o.start.getTime() >= ctx.now.getTime() : (o.startDate ?? '') >= today))
      .slice(0, count)
      .map((o) => {
        const local = opts.time ? this.at(instantToLocalDate(o.start, zone), opts.time, zone) : null;
        return {
          start: o.start,
          end: o.end,
          allDay: o.allDay,
          inGap: !!local?.inGap,
          inOverlap: !!local?.inOverlap,
        };
      });
  }

  /** Everything a phrase names, with flags (POST /v1/time/resolve and the LLM's resolve_time tool). */
  resolve(text: string, ctx: ResolveContext): TimeResolution {
    const reading = this.read(text, ctx);
    const zone = ctx.timeZone;
    const interval = (
      start: Date,
      end: Date,
      allDay: boolean,
      gap = false,
      overlap = false,
    ): ResolvedInterval => ({
      start: start.toISOString(),
      end: end.toISOString(),
      startLocal: formatInZone(start, zone),
      endLocal: formatInZone(end, zone),
      allDay,
      in_dst_gap: gap,
      in_dst_overlap: overlap,
      in_past: allDay ? end.getTime() <= ctx.now.getTime() : start.getTime() < ctx.now.getTime(),
      outside_working_hours: outsideWorkingHours(
        start,
        end,
        allDay,
        zone,
        ctx.workingHours ?? DEFAULT_WORKING_HOURS,
      ),
    });

    let kind: ResolutionKind = 'none';
    const candidates: ResolvedInterval[] = [];
    const alternatives: AlternativeInterval[] = [];
    const timedAt = (day: string | null, time: WallTime): ResolvedInterval => {
      const start = day ? this.at(day, time, zone) : this.nextAt(time, ctx);
      const startDay = instantToLocalDate(start.instant, zone);
      const end =
        reading.rangeMinutes !== null
          ? this.atPlus(startDay, time, reading.rangeMinutes, zone).instant
          : new Date(start.instant.getTime() + lengthMinutes(reading) * MINUTE_MS);
      return interval(start.instant, end, false, start.inGap, start.inOverlap);
    };

    if (reading.recurrence) {
      kind = 'recurring';
      const occurrences = this.occurrences(
        reading.recurrence,
        {
          time: reading.time,
          anchor: reading.anchor ?? reading.days[0] ?? null,
          durationMinutes: reading.rangeMinutes ?? reading.minutes ?? DEFAULT_MINUTES,
          days: reading.lengthDays ?? 1,
        },
        ctx,
      );
      for (const o of occurrences) candidates.push(interval(o.start, o.end, o.allDay, o.inGap, o.inOverlap));
    } else if (reading.relative !== null && !reading.time) {
      kind = 'time';
      const start = new Date(reading.relative);
      candidates.push(
        interval(start, new Date(start.getTime() + (reading.minutes ?? DEFAULT_MINUTES) * MINUTE_MS), false),
      );
    } else if (reading.time && !reading.allDay) {
      kind = 'time';
      const days = reading.days.length ? reading.days : reading.span ? [reading.span.from] : [null];
      for (const day of days.slice(0, MAX_CANDIDATES)) candidates.push(timedAt(day, reading.time));
      if (reading.alternativeTime) {
        const alt = reading.alternativeTime;
        for (const day of days.slice(0, MAX_CANDIDATES))
          alternatives.push({ ...timedAt(day, alt), reading: hhmm(alt) });
      }
    } else if (reading.days.length) {
      kind = 'day';
      for (const day of reading.days.slice(0, MAX_CANDIDATES)) {
        const last = addDays(day, Math.max(1, reading.lengthDays ?? 1));
        candidates.push(interval(this.midnight(day, zone), this.midnight(last, zone), true));
      }
    } else if (reading.span) {
      kind = 'span';
      const from = reading.spanFromNow ? ctx.now : this.midnight(reading.span.from, zone);
      const span = interval(from, this.midnight(reading.span.to, zone), true);
      candidates.push({ ...span, outside_working_hours: false });
    }

    const any = (key: keyof IntervalFlags) => candidates.some((c) => c[key]);
    return {
      text,
      timeZone: zone,
      now: formatInZone(ctx.now, zone),
      kind,
      candidates,
      recurrence: reading.recurrence,
      ambiguous: alternatives.length > 0,
      alternatives,
      unparsed: reading.rest,
      in_dst_gap: any('in_dst_gap'),
      in_dst_overlap: any('in_dst_overlap'),
      in_past: any('in_past'),
      outside_working_hours: any('outside_working_hours'),
    };
  }
}

/**
 * Outside the working hours: a timed interval that does not lie within the hours of a working day
 * (or crosses midnight); an all-day interval on a day that is not a working day.
 */
export function outsideWorkingHours(
  start: Date,
  end: Date,
  allDay: boolean,
  zone: string,
  hours: WorkingHoursLike,
): boolean {
  const s = instantToLocal(start, zone).local;
  if (!hours.days.includes(isoWeekday(s.slice(0, 10)))) return true;
  if (allDay) return false;
  const e = instantToLocal(end, zone).local;
  if (e.slice(0, 10) !== s.slice(0, 10)) return true;
  return (
    minutesOf(s) < minutesOf(`0000-00-00T${hours.start}`) ||
    minutesOf(e) > minutesOf(`0000-00-00T${hours.end}`)
  );
}

function requireZone(zone: string): void {
  if (!isValidTimeZone(zone)) throw invalidZone(zone);
}

function invalidZone(zone: string): ValidationError {
  const message = 'must be an IANA time zone such as Europe/Berlin';
  return new ValidationError(`Invalid timeZone: "${zone}" ${message}`, [{ field: 'timeZone', message }]);
}
