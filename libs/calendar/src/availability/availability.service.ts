import { Injectable, Logger, Optional } from '@nestjs/common';
import { ConflictError, DependencyUnavailableError, NotFoundError, ValidationError } from '@app/common';
import { HoldAttendee, SlotHold, SlotHoldStore } from '@app/cache';
import { CalendarAccessService } from '../calendars/calendar-access.service';
import { CalendarRepository } from '../calendars/calendar.repository';
import { EventQueryService, Person } from '../events/event-query.service';
import type { EventFields } from '../events/event.schema';
import type { CalendarOwner } from '../events/event.service';
import { formatInZone } from '../time/zone';
import type { FreeBusyResponse, HoldResponse, NoSlotReason, SlotsResponse } from './availability.dto';
import {
  clipIntervals,
  intersectIntervals,
  Interval,
  mergeIntervals,
  padIntervals,
  slotStarts,
  subtractIntervals,
  WorkingHoursSpec,
  workingIntervals,
} from './intervals';
import { PeopleDirectory } from './people-directory';
import { rankSlots } from './slot-ranking';

/** A hold keeps a suggested slot out of further suggestions this long, unless confirmed or released. */
export const HOLD_TTL_MS = 5 * 60_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Slots ranked per search at most (the best `maxResults` of them are answered). */
const RANKING_CANDIDATES = 2_000;

/** The owner as scheduling needs it: the calendar's owner with their working hours. */
export interface SchedulingOwner extends CalendarOwner {
  workingHours: WorkingHoursSpec;
}

export interface SlotSearch {
  from: Date;
  to: Date;
  durationMinutes: number;
  /** Only inside the owner's working hours (default true). */
  workingHoursOnly?: boolean;
  /** Kept free before and after every busy time and hold (default 0). */
  bufferMinutes?: number;
  /** Slot starts lie on this grid of the owner's local clock (default 30). */
  stepMinutes?: number;
  /** At most this many slots (default 20). */
  maxResults?: number;
  /** "Now": no slot starts before it (default the current time). */
  now?: Date;
  /** The other people (lower-case email addresses): slots where everyone is free, in everyone's working hours. */
  attendees?: string[];
}

export interface Slot {
  start: Date;
  end: Date;
}

export interface RankedSlotResult extends Slot {
  /** Why it ranks where it does, e.g. "inside everyone's working hours", "Priya's 17:30 is late". */
  reasons: string[];
}

export interface SlotResult {
  /** Free slots, best first (earliest first among equals). */
  slots: RankedSlotResult[];
  /** Why there is none; null when there are slots. */
  reason: NoSlotReason | null;
  timeZone: string;
  /** Attendees left out: the caller cannot see their primary calendar (or there is no such account). */
  notVisible: string[];
}

/** Addresses whose primary calendars the caller sees (at least as freeBusyReader), and the rest. */
export interface PeopleVisibility {
  /** Address → the owner's account id (= their primary calendar's id), in the order asked. */
  visible: Map<string, string>;
  /** In the order asked; an address with no account is here too, indistinguishably. */
  notVisible: string[];
}

interface Participant {
  id: string;
  email: string;
  /** Null for the caller. */
  name: string | null;
  timeZone: string;
  workingHours: WorkingHoursSpec;
}

/**
 * Free/busy and free-slot search over the owner's calendar and other people's primary calendars
 * (each needing at least freeBusyReader; only busy intervals ever leave here), with slot holds. Busy means an occurrence whose TRANSP is opaque (RFC 5545's default): transparent events
 * never block time; all-day events block their whole local days unless marked transparent — we
 * follow the stored TRANSP rather than Google's "all-day is free" convention, so an imported
 * all-day TRANSP:TRANSPARENT event (how Google exports them) stays free.
 */
@Injectable()
export class AvailabilityService {
  private readonly logger = new Logger(AvailabilityService.name);

  constructor(
    private readonly queries: EventQueryService,
    private readonly holds: SlotHoldStore,
    private readonly access: CalendarAccessService,
    private readonly calendars: CalendarRepository,
    /** Bound by the API (identity's users); absent in the ops CLI, which never searches across people. */
    @Optional() private readonly people?: PeopleDirectory,
  ) {}

  /** The owner's busy intervals overlapping [from, to): merged, sorted, clipped to the window. */
  async busy(owner: Person, from: Date, to: Date): Promise<Slot[]> {
    return (await this.busyIntervals([owner], from.getTime(), to.getTime())).map(toSlot);
  }

  /**
   * One calendar's busy intervals overlapping [from, to), merged and clipped: a primary calendar's
   * are its owner's (with the meetings they are invited to, as `busy`), another calendar's its own
   * opaque occurrences. The caller's right to see them (freeBusyReader) is checked by the caller.
   */
  async calendarBusy(
    calendar: { id: string; ownerId: string; ownerEmail: string; primary: boolean },
    from: Date,
    to: Date,
  ): Promise<Slot[]> {
    if (calendar.primary) return this.busy({ id: calendar.ownerId, email: calendar.ownerEmail }, from, to);
    const list: Interval[] = [];
    for (const { occurrence, series } of await this.queries.occurrences([calendar.id], from, to)) {
      const fields = { ...series.fields, ...occurrence.fields } as EventFields;
      if (fields.transparency !== 'transparent')
        list.push({ start: occurrence.start.getTime(), end: occurrence.end.getTime() });
    }
    return clipIntervals(mergeIntervals(list), from.getTime(), to.getTime()).map(toSlot);
  }

  /**
   * Free/busy as the API answers it, with local readings in `zone`: for each address asked (default
   * the caller's own), its busy intervals, or `notVisible` when the caller cannot see that person's
   * primary calendar even as freeBusyReader — the same whether or not the account exists. Without
   * `emails` the caller's own busy time is also at the top level, as before people could be asked.
   */
  async freeBusy(
    caller: CalendarOwner,
    from: Date,
    to: Date,
    zone: string,
    emails?: string[],
  ): Promise<FreeBusyResponse> {
    const asked = emails ?? [caller.email.toLowerCase()];
    const { visible } = await this.visiblePeople(caller, asked);
    const busyOf = await this.busyByCalendar(
      [...visible].map(([email, id]) => ({ id, email })),
      from.getTime(),
      to.getTime(),
    );
    const people = asked.map((email) => {
      const id = visible.get(email);
      if (id === undefined) return { email, error: 'notVisible' as const };
      return { email, busy: (busyOf.get(id) ?? []).map((b) => toSlotResponse(toSlot(b), zone)) };
    });
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      timeZone: zone,
      ...(emails ? {} : { busy: people[0].busy }),
      people,
    };
  }

  /**
   * Which addresses' primary calendars the caller can see at least as freeBusyReader (one
   * permission check, CalendarAccessService, per address). An address without an account and one
   * whose calendar is not shared land in `notVisible` alike. The caller's own address is visible.
   */
  async visiblePeople(caller: CalendarOwner, emails: string[]): Promise<PeopleVisibility> {
    const own = caller.email.toLowerCase();
    const others = [...new Set(emails.filter((e) => e !== own))];
    const primaries = await this.calendars.findPrimariesByEmails(others);
    const grants = await Promise.all(
      others.map((email) => {
        const calendar = primaries.get(email);
        return calendar ? this.access.roleOn(caller, String(calendar._id)) : null;
      }),
    );
    const ownerOf = new Map(others.map((email, i) => [email, grants[i]?.ownerId]));
    const visible = new Map<string, string>();
    const notVisible: string[] = [];
    for (const email of new Set(emails)) {
      const id = email === own ? caller.id : ownerOf.get(email);
      if (id) visible.set(email, id);
      else notVisible.push(email);
    }
    return { visible, notVisible };
  }

  /**
   * Free slots of `durationMinutes` in [from, to) for the owner and the attendees they can see —
   * inside everyone's working hours (each in their own zone) unless `workingHoursOnly` is false,
   * clear of everyone's busy times and holds widened by the buffer, never in the past — ranked
   * (slot-ranking.ts), best first, starts on the owner's local grid. None: `reason` says why.
   * Attendees the owner cannot see are named in `notVisible`, and the slots leave them out.
   */
  async findSlots(owner: SchedulingOwner, search: SlotSearch): Promise<SlotResult> {
    const durationMs = search.durationMinutes * MINUTE_MS;
    const stepMs = (search.stepMinutes ?? 30) * MINUTE_MS;
    const bufferMs = (search.bufferMinutes ?? 0) * MINUTE_MS;
    const max = search.maxResults ?? 20;
    if (!(durationMs > 0) || !(stepMs > 0) || bufferMs < 0 || max < 1) {
      throw new ValidationError('Invalid slot search: duration, step and maxResults must be positive', [
        { field: 'durationMinutes', message: 'must be positive' },
      ]);
    }
    const zone = owner.timeZone;
    const { participants, notVisible } = await this.participants(owner, search.attendees ?? []);
    const none = (reason: NoSlotReason): SlotResult => ({ slots: [], reason, timeZone: zone, notVisible });
    const from = Math.max(search.from.getTime(), (search.now ?? new Date()).getTime());
    const to = search.to.getTime();
    if (to - from < durationMs) return none('window_too_short');

    // A day beyond the window on each side, so a working day cut by the window still ends where it ends.
    const working = participants.map((p) =>
      workingIntervals(p.workingHours, p.timeZone, from - DAY_MS, to + DAY_MS),
    );
    const allowed =
      search.workingHoursOnly === false
        ? [{ start: from, end: to }]
        : clipIntervals(working.reduce(intersectIntervals), from, to);
    if (slotStarts(allowed, durationMs, stepMs, zone, 1).length === 0) {
      return none(search.workingHoursOnly === false ? 'window_too_short' : 'outside_working_hours');
    }
    const ids = participants.map((p) => p.id);
    const [busy, held] = await Promise.all([
      this.busyIntervals(participants, from - bufferMs, to + bufferMs),
      Promise.all(ids.map((id) => this.liveHolds(id))),
    ]);
    const blocked = padIntervals(
      [...busy, ...held.flat().map((h) => ({ start: h.start.getTime(), end: h.end.getTime() }))],
      bufferMs,
    );
    const starts = slotStarts(
      subtractIntervals(allowed, blocked),
      durationMs,
      stepMs,
      zone,
      RANKING_CANDIDATES,
    );
    if (starts.length === 0) return none('fully_booked');
    const ranked = rankSlots(
      starts,
      durationMs,
      participants.map((p, i) => ({ name: p.name, timeZone: p.timeZone, working: working[i] })),
      max,
    );
    return {
      slots: ranked.map((s) => ({ start: new Date(s.start), end: new Date(s.end), reasons: s.reasons })),
      reason: null,
      timeZone: zone,
      notVisible,
    };
  }

  /**
   * Holds [start, end) for 5 minutes so it is left out of further suggestions — the owner's and,
   * with `attendees`, each attendee's (whoever searches). Refused (409) when the time is busy for
   * anyone or overlaps another hold of theirs; 400 naming `attendees` when the owner cannot see an
   * attendee's primary calendar; 503 when Redis is down.
   */
  async hold(
    owner: CalendarOwner,
    start: Date,
    end: Date,
    opts: { attendees?: string[]; now?: Date } = {},
  ): Promise<SlotHold> {
    const now = opts.now ?? new Date();
    if (end.getTime() <= now.getTime()) {
      throw new ValidationError('Invalid end: end must be in the future', [
        { field: 'end', message: 'must be in the future' },
      ]);
    }
    const { visible, notVisible } = await this.visiblePeople(owner, opts.attendees ?? []);
    if (notVisible.length > 0) {
      const message = `not visible to you (no shared calendar, or no such account): ${notVisible.join(', ')}`;
      throw new ValidationError(`Invalid attendees: ${message}`, [{ field: 'attendees', message }]);
    }
    const attendees: HoldAttendee[] = [...visible]
      .filter(([, id]) => id !== owner.id)
      .map(([email, id]) => ({ id, email }));
    const busy = await this.busyIntervals([owner, ...attendees], start.getTime(), end.getTime());
    if (busy.length > 0) {
      throw new ConflictError('That time is no longer free.', { busy: busy.map(toSlot).map(isoSlot) });
    }
    // The owner's own holds are checked atomically by the claim; the attendees' here, just before.
    for (const a of attendees) {
      const clash = (await this.liveHolds(a.id)).find((h) => h.start < end && h.end > start);
      if (clash) throw new ConflictError('That time overlaps another hold.', { hold: isoSlot(clash) });
    }
    const claim = await this.holds.claim(owner.id, start, end, HOLD_TTL_MS, now.getTime(), attendees);
    if (claim.kind === 'unavailable')
      throw new DependencyUnavailableError('Slot holds are unavailable right now; try again shortly.');
    if (claim.kind === 'overlaps') {
      throw new ConflictError('That time overlaps another hold.', { hold: toHoldResponse(claim.hold) });
    }
    return claim.hold;
  }

  /** The owner's own live holds (not those others made naming them). */
  async listHolds(owner: CalendarOwner): Promise<SlotHold[]> {
    try {
      return (await this.holds.list(owner.id)).filter((h) => h.ownerId === owner.id);
    } catch {
      throw new DependencyUnavailableError('Slot holds are unavailable right now; try again shortly.');
    }
  }

  async releaseHold(owner: CalendarOwner, id: string): Promise<void> {
    let released: boolean;
    try {
      released = await this.holds.release(owner.id, id);
    } catch {
      throw new DependencyUnavailableError('Slot holds are unavailable right now; try again shortly.');
    }
    if (!released) throw new NotFoundError('Hold not found (it may have expired).');
  }

  /** Everyone's busy time together: merged, clipped to [from, to). */
  private async busyIntervals(people: Person[], from: number, to: number): Promise<Interval[]> {
    const byCalendar = await this.busyByCalendar(people, from, to);
    return mergeIntervals([...byCalendar.values()].flat());
  }

  /**
   * Each person's busy time (opaque occurrences of their primary calendar and of the meetings they
   * are invited to and have not declined, series expanded), by account id: merged, clipped to [from, to).
   */
  private async busyByCalendar(people: Person[], from: number, to: number): Promise<Map<string, Interval[]>> {
    const byCalendar = new Map<string, Interval[]>();
    if (people.length === 0) return byCalendar;
    const unique = [...new Map(people.map((p) => [p.id, { id: p.id, email: p.email }])).values()];
    for (const { occurrence, series, calendarId } of await this.queries.personalOccurrences(
      unique,
      new Date(from),
      new Date(to),
    )) {
      const fields = { ...series.fields, ...occurrence.fields } as EventFields;
      if (fields.transparency === 'transparent') continue;
      const list = byCalendar.get(calendarId) ?? [];
      list.push({ start: occurrence.start.getTime(), end: occurrence.end.getTime() });
      byCalendar.set(calendarId, list);
    }
    for (const [id, list] of byCalendar) byCalendar.set(id, clipIntervals(mergeIntervals(list), from, to));
    return byCalendar;
  }

  /** The owner (named "Your" in reasons) and the attendees they can see, with zones and working hours. */
  private async participants(
    owner: SchedulingOwner,
    attendees: string[],
  ): Promise<{ participants: Participant[]; notVisible: string[] }> {
    const me: Participant = {
      id: owner.id,
      email: owner.email,
      name: null,
      timeZone: owner.timeZone,
      workingHours: owner.workingHours,
    };
    if (attendees.length === 0) return { participants: [me], notVisible: [] };
    if (!this.people) throw new Error('AvailabilityService: no PeopleDirectory is bound in this process');
    const { visible, notVisible } = await this.visiblePeople(owner, attendees);
    const others = [...visible].filter(([, id]) => id !== owner.id);
    const found = new Map(
      (await this.people.findByEmails(others.map(([email]) => email))).map((p) => [p.id, p] as const),
    );
    const participants = [me];
    for (const [email, id] of others) {
      const person = found.get(id);
      if (!person) notVisible.push(email);
      else
        participants.push({
          id,
          email,
          name: person.name,
          timeZone: person.timeZone,
          workingHours: person.workingHours,
        });
    }
    return { participants, notVisible };
  }

  /** Holds leave suggestions only while Redis is up; without it, slots are still found. */
  private async liveHolds(ownerId: string): Promise<SlotHold[]> {
    try {
      return await this.holds.list(ownerId);
    } catch (err) {
      this.logger.warn(`slot holds skipped: ${(err as Error).message}`);
      return [];
    }
  }
}

type BusyResponse = Omit<SlotsResponse['slots'][number], 'reasons'>;

const toSlot = (i: Interval): Slot => ({ start: new Date(i.start), end: new Date(i.end) });
const isoSlot = (s: Slot) => ({ start: s.start.toISOString(), end: s.end.toISOString() });

/** A busy interval or slot as the API returns it: UTC instants and local readings in `zone`. */
export function toSlotResponse(slot: Slot, zone: string): BusyResponse {
  return {
    start: slot.start.toISOString(),
    end: slot.end.toISOString(),
    startLocal: formatInZone(slot.start, zone),
    endLocal: formatInZone(slot.end, zone),
  };
}

export function toHoldResponse(hold: SlotHold): HoldResponse {
  return {
    id: hold.id,
    start: hold.start.toISOString(),
    end: hold.end.toISOString(),
    expiresAt: hold.expiresAt.toISOString(),
    attendees: hold.attendees.map((a) => a.email),
  };
}

export function toSlotsResponse(result: SlotResult): SlotsResponse {
  return {
    slots: result.slots.map((s) => ({ ...toSlotResponse(s, result.timeZone), reasons: s.reasons })),
    reason: result.reason,
    timeZone: result.timeZone,
    notVisible: result.notVisible,
  };
}
