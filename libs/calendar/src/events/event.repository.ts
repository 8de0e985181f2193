import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { findOwnedById } from '@app/database';
import { Model, Types, trusted } from 'mongoose';
import { EventDoc, EventRecord } from './event.schema';

/** Writable event state (everything but identity and bookkeeping). */
export type EventState = Omit<
  EventDoc,
  '_id' | 'ownerId' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt' | 'uid'
> & {
  uid?: string;
};

/** What the recurrence engine reads of a document (toSeries): the window reads fetch only this. */
export const SERIES_FIELDS = {
  _id: 1,
  title: 1,
  description: 1,
  location: 1,
  attendees: 1,
  reminders: 1,
  transparency: 1,
  start: 1,
  end: 1,
  timeZone: 1,
  allDay: 1,
  startDate: 1,
  endDate: 1,
  recurrence: 1,
  exdates: 1,
  overrides: 1,
} as const satisfies Partial<Record<keyof EventRecord, 1>>;

/** A document as the window reads return it (SERIES_FIELDS). */
export type SeriesRecord = Pick<EventRecord, keyof typeof SERIES_FIELDS>;

/**
 * The only code that touches the events collection. Every method takes the owner's id, so a query
 * that forgets the owner does not compile; another user's event is simply not found.
 */
@Injectable()
export class EventRepository {
  constructor(@InjectModel(EventDoc.name) private readonly model: Model<EventDoc>) {}

  async findById(ownerId: string, id: string): Promise<EventRecord | null> {
    return findOwnedById<EventRecord, EventDoc>(this.model, ownerId, id, (e) => e.deletedAt == null);
  }

  /** Live events of the owner whose occurrences may overlap [from, to), with the fields toSeries reads. */
  async findInRange(ownerId: string, from: Date, to: Date, excludeId?: string): Promise<SeriesRecord[]> {
    const filter: Record<string, unknown> = {
      ownerId: new Types.ObjectId(ownerId),
      deletedAt: null,
      rangeStart: trusted({ $lt: to }),
      $or: [{ rangeEnd: null }, { rangeEnd: trusted({ $gt: from }) }],
    };
    if (excludeId) filter._id = trusted({ $ne: new Types.ObjectId(excludeId) });
    return this.model.find(filter, SERIES_FIELDS).lean<SeriesRecord[]>().exec();
  }

  async findByIdempotencyKey(ownerId: string, key: string, since: Date): Promise<EventRecord | null> {
    return this.model
      .findOne({
        ownerId: new Types.ObjectId(ownerId),
        idempotencyKey: key,
        createdAt: trusted({ $gte: since }),
      })
      .lean<EventRecord>()
      .exec();
  }

  async insert(ownerId: string, state: EventState): Promise<EventRecord> {
    const _id = new Types.ObjectId();
    const doc = await this.model.create({
      ...state,
      _id,
      ownerId: new Types.ObjectId(ownerId),
      uid: state.uid ?? `${_id.toHexString()}@calendar-assistant`,
      version: 1,
      deletedAt: null,
    });
    return doc.toObject() as EventRecord;
  }

  /**
   * Replaces the state when the stored version is still `expectedVersion` (optimistic concurrency);
   * returns the new record, or null when the event changed or vanished meanwhile.
   */
  async replaceIfVersion(
    ownerId: string,
    id: string,
    expectedVersion: number,
    state: EventState,
  ): Promise<EventRecord | null> {
    const { uid: _uid, ...rest } = state;
    return this.model
      .findOneAndUpdate(
        {
          _id: new Types.ObjectId(id),
          ownerId: new Types.ObjectId(ownerId),
          deletedAt: null,
          version: expectedVersion,
        },
        { $set: rest, $inc: { version: 1 } },
        { new: true },
      )
      .lean<EventRecord>()
      .exec();
  }

  /** Soft delete (a tombstone for sync) when the version still matches; false when it does not. */
  async softDeleteIfVersion(ownerId: string, id: string, expectedVersion: number): Promise<boolean> {
    const res = await this.model
      .updateOne(
        {
          _id: new Types.ObjectId(id),
          ownerId: new Types.ObjectId(ownerId),
          deletedAt: null,
          version: expectedVersion,
        },
        { $set: { deletedAt: new Date() }, $inc: { version: 1 } },
      )
      .exec();
    return res.modifiedCount === 1;
  }

  /** Undoes a soft delete when the version still matches; the restored record, or null when it does not. */
  async restoreIfVersion(ownerId: string, id: string, expectedVersion: number): Promise<EventRecord | null> {
    return this.model
      .findOneAndUpdate(
        {
          _id: new Types.ObjectId(id),
          ownerId: new Types.ObjectId(ownerId),
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
  async hardDelete(ownerId: string, id: string): Promise<void> {
    await this.model.deleteOne({ _id: new Types.ObjectId(id), ownerId: new Types.ObjectId(ownerId) }).exec();
  }
}
