import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '@app/common';
import { normalizeTimeZone } from '../time/zone';
import { CalendarAccessService, VisibleCalendar } from './calendar-access.service';
import { CalendarCreateSchema, CalendarResponse, CalendarUpdateSchema } from './calendar.dto';
import { Caller, CalendarRole } from './calendar-role';
import { CalendarRepository } from './calendar.repository';
import { CalendarRecord } from './calendar.schema';
import type { z } from 'zod';

/**
 * A calendar as `callerId` sees it: `primary` is true only for the caller's own primary calendar
 * (someone else's primary shared with them is not theirs, and `primary` does not name it).
 */
export const toCalendarResponse = (
  c: CalendarRecord,
  role: CalendarRole,
  callerId?: string,
): CalendarResponse => ({
  id: String(c._id),
  name: c.name,
  description: c.description ?? null,
  color: c.color ?? null,
  timeZone: c.timeZone,
  primary: c.primary && (callerId === undefined || String(c.ownerId) === callerId),
  role,
  defaultReminders: c.defaultReminders ?? [],
});

/** Calendars: the caller's list, creating, reading, changing and deleting one. */
@Injectable()
export class CalendarService {
  constructor(
    private readonly calendars: CalendarRepository,
    private readonly access: CalendarAccessService,
  ) {}

  /** Creates the account's primary calendar (at sign-up; a no-op when it exists). */
  async createPrimary(account: { id: string; email: string; name: string; timeZone: string }): Promise<void> {
    await this.calendars.ensurePrimary(account);
  }

  async list(caller: Caller & { name?: string }): Promise<CalendarResponse[]> {
    let visible = await this.access.visible(caller);
    if (!visible.some((v) => v.calendar.primary && String(v.calendar.ownerId) === caller.id)) {
      // An account from before calendars whose migration has not run yet: its primary comes now.
      await this.calendars.ensurePrimary({ ...caller, name: caller.name ?? caller.email });
      visible = await this.access.visible(caller);
    }
    return visible.map((v: VisibleCalendar) => toCalendarResponse(v.calendar, v.role, caller.id));
  }

  async create(caller: Caller, input: z.infer<typeof CalendarCreateSchema>): Promise<CalendarResponse> {
    const record = await this.calendars.insert({
      ownerId: caller.id,
      ownerEmail: caller.email,
      name: input.name,
      description: input.description ?? null,
      color: input.color ?? null,
      timeZone: normalizeTimeZone(input.timeZone ?? caller.timeZone),
      defaultReminders: input.defaultReminders ?? [],
    });
    return toCalendarResponse(record, 'owner');
  }

  async get(caller: Caller, id: string): Promise<CalendarResponse> {
    const grant = await this.access.require(caller, id, 'freeBusyReader');
    return toCalendarResponse(await this.record(grant.calendarId, caller), grant.role, caller.id);
  }

  async update(
    caller: Caller,
    id: string,
    patch: z.infer<typeof CalendarUpdateSchema>,
  ): Promise<CalendarResponse> {
    const grant = await this.access.require(caller, id, 'owner');
    await this.record(grant.calendarId, caller);
    const updated = await this.calendars.update(grant.calendarId, {
      ...patch,
      ...(patch.timeZone ? { timeZone: normalizeTimeZone(patch.timeZone) } : {}),
    });
    if (!updated) throw new NotFoundError('Calendar not found.');
    return toCalendarResponse(updated, grant.role, caller.id);
  }

  /** Deletes a secondary calendar: its events leave every listing at once (purged after retention). */
  async remove(caller: Caller, id: string): Promise<void> {
    const grant = await this.access.require(caller, id, 'owner');
    const record = await this.record(grant.calendarId, caller);
    if (record.primary) throw new ConflictError('The primary calendar cannot be deleted.');
    if (!(await this.calendars.softDelete(grant.calendarId))) throw new NotFoundError('Calendar not found.');
    await this.access.invalidateReaders(grant);
  }

  /** The calendar's record; an owner's primary from before calendars is created on the way. */
  private async record(id: string, caller: Caller): Promise<CalendarRecord> {
    let record = await this.calendars.findById(id);
    if (!record && id === caller.id) {
      await this.calendars.ensurePrimary({ ...caller, name: caller.email });
      record = await this.calendars.findById(id);
    }
    if (!record) throw new NotFoundError('Calendar not found.');
    return record;
  }
}
