import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { parseObjectId } from '@app/database';
import { Model, Types, trusted } from 'mongoose';
import { EventDoc, EventRecord } from './event.schema';

/** Writable event state (everything but identity, placement and bookkeeping). */
export type EventState = Omit<
  EventDoc,
  | '_id'
  | 'calendarId'
  | 'ownerId'
  | 'version'
  | 'createdAt'
  | 'updatedAt'
  | 'deletedAt'
  | 'uid'
  | 'organizer'
  | 'sequence'
> & {
  uid?: string;
  /** Set on create; a replace without it keeps the stored one. */
  organizer?: EventDoc['organizer'];
  /** Set when the organizer changes time, place, title or attendees; absent keeps the stored one. */
  sequence?: number;
};

/** Where an event lives: its calendar and that calendar's owner. */
export interface EventPlacement {
  calendarId: string;
  ownerId: string;
}

/** What the recurrence engine reads of a document (toSeries): the window reads fetch only this. */
export const SERIES_FIELDS = {
  _id: 1,
  calendarId: 1,
  title: 1,
  description: 1,
  location: 1,
  attendees: 1,
  reminders: 1,
  transparency: 1,
  visibility: 1,
  start: 1,
  end: 1,
  timeZone: 1,
  allDay: 1,
  startDate: 1,
  endDate: 1,
  recurrence: 1,
  exdates: 1,
  overrides: 1,
  organizer: 1,
} as const satisfies Partial<Record<keyof EventRecord, 1>>;

/** A document as the window reads return it (SERIES_FIELDS). */
export type SeriesRecord = Pick<EventRecord, keyof typeof SERIES_FIELDS>;

/** Events whose occurrences may overlap [from, to): the stored range bounds, before expansion. */
const mayOverlap = (from: Date, to: Date) => ({
  rangeStart: trusted({ $lt: to }),
  $or: [{ rangeEnd: null }, { rangeEnd: trusted({ $gt: from }) }],
});

const oid = (id: string) => new Types.ObjectId(id);

/**
 * Who was taken off the meeting, after a write that leaves `now` invited: those taken off before
 * and those the write drops, minus anyone (again) invited. Undefined when nothing changes.
 */
export function formerAttendeeEmails(
  previous: Pick<EventRecord, 'attendeeEmails' | 'formerAttendeeEmails'>,
  now: readonly string[],
): string[] | undefined {
  const invited = new Set(now);
  const before = previous.formerAttendeeEmails ?? [];
  const next = [...new Set([...before, ...(previous.attendeeEmails ?? [])])].filter((e) => !invited.has(e));
  const same = next.length === before.length && next.every((e) => before.includes(e));
  return same ? undefined : next;
}

/**
 * The only code that touches the events collection. Every write and window read names the calendar,
 * so a query that forgets it does not compile; `findById` answers any live event, and its callers
 * check the caller's role on the event's calendar (CalendarAccessService) before using it.
 */
@Injectable()
export class EventRepository {
  constructor(@InjectModel(EventDoc.name) private readonly model: Model<EventDoc>) {}

  /** A live event by id, whichever calendar it is in: check the caller's role before answering. */
  async findById(id: string): Promise<EventRecord | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    return this.model.findOne({ _id, deletedAt: null }).lean<EventRecord>().exec();
  }

  /** The calendar a (possibly deleted) event is in, for the undo of a delete. */
  async findPlacement(id: string): Promise<EventPlacement | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    const doc = await this.model
      .findOne({ _id }, { calendarId: 1, ownerId: 1 })
      .lean<{ calendarId: Types.ObjectId; ownerId: Types.ObjectId }>()
      .exec();
    return doc ? { calendarId: String(doc.calendarId), ownerId: String(doc.ownerId) } : null;
  }

  /**
   * Live meetings `email` (lower-case) is invited to whose occurrences may overlap [from, to), in
   * any calendar: one equality on the indexed `attendeeEmails` array plus the range bounds.
   */
  async findInvitedInRange(email: string, from: Date, to: Date): Promise<SeriesRecord[]> {
    return this.model
      .find({ attendeeEmails: email, deletedAt: null, ...mayOverlap(from, to) }, SERIES_FIELDS)
      .lean<SeriesRecord[]>()
      .exec();
  }

  /**
   * As findInRange (one calendar) or findInvitedInRange, with every field: CalDAV's time-range query
   * renders what overlaps whole, and one read of whole records beats reading the matches again by id.
   */
  async findWholeInRange(
    where: { calendarId: string } | { invitee: string },
    from: Date,
    to: Date,
  ): Promise<EventRecord[]> {
    const who =
      'calendarId' in where ? { calendarId: oid(where.calendarId) } : { attendeeEmails: where.invitee };
    return this.model
      .find({ ...who, deletedAt: null, ...mayOverlap(from, to) })
      .lean<EventRecord[]>()
      .exec();
  }

  /**
   * Who appears in meetings with `email` (lower-case): the guest lists and organizers of the most
   * recent `limit` live events of these calendars (the ones the caller owns: people they invited) and
   * of the meetings `email` is invited to (indexed `attendeeEmails`). Lists only, never titles.
   */
  async meetingPeople(
    calendarIds: string[],
    email: string,
    limit: number,
  ): Promise<Pick<EventRecord, 'organizer' | 'attendees'>[]> {
    const projection = { _id: 0, organizer: 1, attendees: 1 };
    const [own, invited] = await Promise.all([
      calendarIds.length
        ? this.model
            .find(
              {
                calendarId:
                  calendarIds.length === 1 ? oid(calendarIds[0]) : trusted({ $in: calendarIds.map(oid) }),
                deletedAt: null,
              },
              projection,
            )
            .sort({ updatedAt: -1 })
            .limit(limit)
            .lean<Pick<EventRecord, 'organizer' | 'attendees'>[]>()
            .exec()
        : [],
      this.model
        .find({ attendeeEmails: email, deletedAt: null }, projection)
        .sort({ updatedAt: -1 })
        .limit(limit)
        .lean<Pick<EventRecord, 'organizer' | 'attendees'>[]>()
        .exec(),
    ]);
    return [...own, ...invited];
  }

  /** Live events of these calendars whose occurrences may overlap [from, to), with the fields toSeries reads. */
  async findInRange(
    calendarIds: string[],
    from: Date,
    to: Date,
    excludeId?: string,
  ): Promise<SeriesRecord[]> {
    if (calendarIds.length === 0) return [];
    const filter: Record<string, unknown> = {
      // One calendar (the common case) is an equality, which FerretDB pushes down to PostgreSQL.
      calendarId: calendarIds.length === 1 ? oid(calendarIds[0]) : trusted({ $in: calendarIds.map(oid) }),
      deletedAt: null,
      ...mayOverlap(from, to),
    };
    if (excludeId) filter._id = trusted({ $ne: oid(excludeId) });
    return this.model.find(filter, SERIES_FIELDS).lean<SeriesRecord[]>().exec();
  }

  async findByIdempotencyKey(calendarId: string, key: string, since: Date): Promise<EventRecord | null> {
    return this.model
      .findOne({ calendarId: oid(calendarId), idempotencyKey: key, createdAt: trusted({ $gte: since }) })
      .lean<EventRecord>()
      .exec();
  }

  async insert(at: EventPlacement, state: EventState): Promise<EventRecord> {
    const _id = new Types.ObjectId();
    const doc = await this.model.create({
      ...state,
      _id,
      calendarId: oid(at.calendarId),
      ownerId: oid(at.ownerId),
      uid: state.uid ?? `${_id.toHexString()}@calendar-assistant`,
      version: 1,
      deletedAt: null,
    });
    return doc.toObject() as EventRecord;
  }

  /**
   * Replaces the state when the event is still in `calendarId` at `expectedVersion` (optimistic
   * concurrency), moving it to `moveTo` when given; the new record, or null when it changed or vanished.
   */
  async replaceIfVersion(
    calendarId: string,
    id: string,
    expectedVersion: number,
    state: EventState,
    moveTo?: EventPlacement,
    /** The record at `expectedVersion`: addresses its guest lists lose are remembered (formerAttendeeEmails). */
    previous?: Pick<EventRecord, 'attendeeEmails' | 'formerAttendeeEmails'>,
  ): Promise<EventRecord | null> {
    const { uid: _uid, ...rest } = state;
    const placement = moveTo ? { calendarId: oid(moveTo.calendarId), ownerId: oid(moveTo.ownerId) } : {};
    const former = previous ? formerAttendeeEmails(previous, state.attendeeEmails) : undefined;
    return this.model
      .findOneAndUpdate(
        { _id: oid(id), calendarId: oid(calendarId), deletedAt: null, version: expectedVersion },
        {
          $set: { ...rest, ...placement, ...(former ? { formerAttendeeEmails: former } : {}) },
          $inc: { version: 1 },
          // Remembered so the calendar's syncing clients learn that the event left it.
          ...(moveTo && moveTo.calendarId !== calendarId
            ? { $addToSet: { formerCalendarIds: oid(calendarId) } }
            : {}),
        },
        { new: true },
      )
      .lean<EventRecord>()
      .exec();
  }

  /**
   * Soft delete (a tombstone for sync) when the version still matches; false when it does not.
   * A cancel is an organizer change, so SEQUENCE goes up with it.
   */
  async softDeleteIfVersion(calendarId: string, id: string, expectedVersion: number): Promise<boolean> {
    const res = await this.model
      .updateOne(
        { _id: oid(id), calendarId: oid(calendarId), deletedAt: null, version: expectedVersion },
        { $set: { deletedAt: new Date() }, $inc: { version: 1, sequence: 1 } },
      )
      .exec();
    return res.modifiedCount === 1;
  }

  /** Undoes a soft delete when the version still matches; the restored record, or null when it does not. */
  async restoreIfVersion(
    calendarId: string,
    id: string,
    expectedVersion: number,
  ): Promise<EventRecord | null> {
    return this.model
      .findOneAndUpdate(
        {
          _id: oid(id),
          calendarId: oid(calendarId),
          deletedAt: trusted({ $ne: null }),
          version: expectedVersion,
        },
        { $set: { deletedAt: null }, $inc: { version: 1 } },
        { new: true },
      )
      .lean<EventRecord>()
      .exec();
  }

  /** Removes a document outright (undoing a half-made split); not a user-visible delete. */
  async hardDelete(calendarId: string, id: string): Promise<void> {
    await this.model.deleteOne({ _id: oid(id), calendarId: oid(calendarId) }).exec();
  }
}
