import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, DependencyUnavailableError, NotFoundError, ValidationError } from '@app/common';
import { SlotHold, SlotHoldStore } from '@app/cache';
import { EventQueryService } from '../events/event-query.service';
import type { EventFields } from '../events/event.schema';
import type { CalendarOwner } from '../events/event.service';
import { formatInZone } from '../time/zone';
import type { FreeBusyResponse, HoldResponse, NoSlotReason, SlotsResponse } from './availability.dto';
import {
  clipIntervals,
  Interval,
  mergeIntervals,
  padIntervals,
  slotStarts,
  subtractIntervals,
  WorkingHoursSpec,
  workingIntervals,
} from './intervals';

/** A hold keeps a suggested slot out of further suggestions this long, unless confirmed or released. */
export const HOLD_TTL_MS = 5 * 60_000;
const MINUTE_MS = 60_000;

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
}

export interface Slot {
  start: Date;
  end: Date;
}

export interface SlotResult {
  /** Free slots, earliest first. */
  slots: Slot[];
  /** Why there is none; null when there are slots. */
  reason: NoSlotReason | null;
  timeZone: string;
}

/**
 * Free/busy and free-slot search over the owner's calendar (recurring series expanded), with slot
 * holds. Busy means an occurrence whose TRANSP is opaque (RFC 5545's default): transparent events
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
  ) {}

  /** The owner's busy intervals overlapping [from, to): merged, sorted, clipped to the window. */
  async busy(ownerId: string, from: Date, to: Date): Promise<Slot[]> {
    return (await this.busyIntervals(ownerId, from.getTime(), to.getTime())).map(toSlot);
  }

  /** Free/busy as the API answers it, with local readings in `zone`. */
  async freeBusy(ownerId: string, from: Date, to: Date, zone: string): Promise<FreeBusyResponse> {
    const busy = await this.busy(ownerId, from, to);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      timeZone: zone,
      busy: busy.map((b) => toSlotResponse(b, zone)),
    };
  }

  /**
   * Free slots of `durationMinutes` in [from, to) — inside working hours (in the owner's zone)
   * unless `workingHoursOnly` is false, clear of busy times and holds widened by the buffer, never
   * in the past — earliest first. None: `reason` says why.
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
    const none = (reason: NoSlotReason): SlotResult => ({ slots: [], reason, timeZone: zone });
    const from = Math.max(search.from.getTime(), (search.now ?? new Date()).getTime());
    const to = search.to.getTime();
    if (to - from < durationMs) return none('window_too_short');

    const allowed =
      search.workingHoursOnly === false
        ? [{ start: from, end: to }]
        : workingIntervals(owner.workingHours, zone, from, to);
    if (slotStarts(allowed, durationMs, stepMs, zone, 1).length === 0) {
      return none(search.workingHoursOnly === false ? 'window_too_short' : 'outside_working_hours');
    }
    const [busy, held] = await Promise.all([
      this.busyIntervals(owner.id, from - bufferMs, to + bufferMs),
      this.liveHolds(owner.id),
    ]);
    const blocked = padIntervals(
      [...busy, ...held.map((h) => ({ start: h.start.getTime(), end: h.end.getTime() }))],
      bufferMs,
    );
    const starts = slotStarts(subtractIntervals(allowed, blocked), durationMs, stepMs, zone, max);
    if (starts.length === 0) return none('fully_booked');
    return {
      slots: starts.map((start) => ({ start: new Date(start), end: new Date(start + durationMs) })),
      reason: null,
      timeZone: zone,
    };
  }

  /**
   * Holds [start, end) for 5 minutes so it is left out of further suggestions. Refused (409) when
   * the time is busy or overlaps another hold of the owner; 503 when Redis is down.
   */
  async hold(owner: CalendarOwner, start: Date, end: Date, now = new Date()): Promise<SlotHold> {
    if (end.getTime() <= now.getTime()) {
      throw new ValidationError('Invalid end: end must be in the future', [
        { field: 'end', message: 'must be in the future' },
      ]);
    }
    const busy = await this.busyIntervals(owner.id, start.getTime(), end.getTime());
    if (busy.length > 0) {
      throw new ConflictError('That time is no longer free.', { busy: busy.map(toSlot).map(isoSlot) });
    }
    const claim = await this.holds.claim(owner.id, start, end, HOLD_TTL_MS, now.getTime());
    if (claim.kind === 'unavailable')
      throw new DependencyUnavailableError('Slot holds are unavailable right now; try again shortly.');
    if (claim.kind === 'overlaps') {
      throw new ConflictError('That time overlaps another hold.', { hold: toHoldResponse(claim.hold) });
    }
    return claim.hold;
  }

  async listHolds(owner: CalendarOwner): Promise<SlotHold[]> {
    try {
      return await this.holds.list(owner.id);
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

  private async busyIntervals(ownerId: string, from: number, to: number): Promise<Interval[]> {
    const occurrences = await this.queries.occurrences([ownerId], new Date(from), new Date(to));
    const busy: Interval[] = [];
    for (const { occurrence, series } of occurrences) {
      const fields = { ...series.fields, ...occurrence.fields } as EventFields;
      if (fields.transparency === 'transparent') continue;
      busy.push({ start: occurrence.start.getTime(), end: occurrence.end.getTime() });
    }
    return clipIntervals(mergeIntervals(busy), from, to);
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

const toSlot = (i: Interval): Slot => ({ start: new Date(i.start), end: new Date(i.end) });
const isoSlot = (s: Slot) => ({ start: s.start.toISOString(), end: s.end.toISOString() });

/** A slot as the API returns it: UTC instants and local readings in `zone`. */
export function toSlotResponse(slot: Slot, zone: string): SlotsResponse['slots'][number] {
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
  };
}

export function toSlotsResponse(result: SlotResult): SlotsResponse {
  return {
    slots: result.slots.map((s) => toSlotResponse(s, result.timeZone)),
    reason: result.reason,
    timeZone: result.timeZone,
  };
}
