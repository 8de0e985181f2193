import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { parseObjectId } from '@app/database';
import { Model, Types, trusted } from 'mongoose';
import { CalendarDoc, CalendarRecord } from './calendar.schema';

/** What the permission check reads of a calendar. */
export type CalendarOwnership = Pick<
  CalendarRecord,
  '_id' | 'ownerId' | 'ownerEmail' | 'primary' | 'defaultReminders'
>;
const OWNERSHIP = { _id: 1, ownerId: 1, ownerEmail: 1, primary: 1, defaultReminders: 1 } as const;

export interface NewCalendar {
  ownerId: string;
  ownerEmail: string;
  name: string;
  description?: string | null;
  color?: string | null;
  timeZone: string;
  defaultReminders?: number[];
}

export type CalendarPatch = Partial<
  Pick<CalendarRecord, 'name' | 'description' | 'color' | 'timeZone' | 'defaultReminders'>
>;

/** The only code that touches the calendars collection. A deleted calendar is never found. */
@Injectable()
export class CalendarRepository {
  constructor(@InjectModel(CalendarDoc.name) private readonly model: Model<CalendarDoc>) {}

  /** Creates the account's primary calendar (its `_id` is the account's) unless it exists. */
  async ensurePrimary(owner: { id: string; email: string; name: string; timeZone: string }): Promise<void> {
    const now = new Date();
    await this.model
      .updateOne(
        { _id: new Types.ObjectId(owner.id) },
        {
          $setOnInsert: {
            ownerId: new Types.ObjectId(owner.id),
            ownerEmail: owner.email.toLowerCase(),
            name: owner.name,
            description: null,
            color: null,
            timeZone: owner.timeZone,
            defaultReminders: [],
            primary: true,
            deletedAt: null,
            createdAt: now,
            updatedAt: now,
          },
        },
        { upsert: true, timestamps: false },
      )
      .exec();
  }

  async insert(c: NewCalendar): Promise<CalendarRecord> {
    const doc = await this.model.create({
      ownerId: new Types.ObjectId(c.ownerId),
      ownerEmail: c.ownerEmail.toLowerCase(),
      name: c.name,
      description: c.description ?? null,
      color: c.color ?? null,
      timeZone: c.timeZone,
      defaultReminders: c.defaultReminders ?? [],
      primary: false,
      deletedAt: null,
    });
    return doc.toObject() as CalendarRecord;
  }

  async findOwnership(id: string): Promise<CalendarOwnership | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    return this.model.findOne({ _id, deletedAt: null }, OWNERSHIP).lean<CalendarOwnership>().exec();
  }

  async findById(id: string): Promise<CalendarRecord | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    return this.model.findOne({ _id, deletedAt: null }).lean<CalendarRecord>().exec();
  }

  async findByIds(ids: Types.ObjectId[]): Promise<CalendarRecord[]> {
    if (ids.length === 0) return [];
    return this.model
      .find({ _id: trusted({ $in: ids }), deletedAt: null })
      .lean<CalendarRecord[]>()
      .exec();
  }

  async listOwned(ownerId: string): Promise<CalendarRecord[]> {
    return this.model
      .find({ ownerId: new Types.ObjectId(ownerId), deletedAt: null })
      .lean<CalendarRecord[]>()
      .exec();
  }

  /** The live primary calendars of these addresses (lower-case), by address. */
  async findPrimariesByEmails(emails: string[]): Promise<Map<string, CalendarOwnership>> {
    if (emails.length === 0) return new Map();
    const docs = await this.model
      .find({ ownerEmail: trusted({ $in: emails }), primary: true, deletedAt: null }, OWNERSHIP)
      .lean<CalendarOwnership[]>()
      .exec();
    return new Map(docs.map((d) => [d.ownerEmail, d]));
  }

  async update(id: string, patch: CalendarPatch): Promise<CalendarRecord | null> {
    return this.model
      .findOneAndUpdate({ _id: new Types.ObjectId(id), deletedAt: null }, { $set: patch }, { new: true })
      .lean<CalendarRecord>()
      .exec();
  }

  /** Soft delete of a secondary calendar; false when it was already gone (or is primary). */
  async softDelete(id: string): Promise<boolean> {
    const res = await this.model
      .updateOne(
        { _id: new Types.ObjectId(id), deletedAt: null, primary: false },
        { $set: { deletedAt: new Date() } },
      )
      .exec();
    return res.modifiedCount === 1;
  }
}
