import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { parseObjectId } from '@app/database';
import { Model, Types } from 'mongoose';
import { FeedDoc, FeedRecord } from './feed.schema';
import type { FeedKind } from './ical.dto';

/** The only code that touches the feeds collection; owner-scoped except the lookup by token hash. */
@Injectable()
export class FeedRepository {
  constructor(@InjectModel(FeedDoc.name) private readonly model: Model<FeedDoc>) {}

  async insert(
    ownerId: string,
    feed: { calendarId: string; kind: FeedKind; name: string | null; tokenHash: string },
  ): Promise<FeedRecord> {
    const doc = await this.model.create({
      ...feed,
      calendarId: new Types.ObjectId(feed.calendarId),
      ownerId: new Types.ObjectId(ownerId),
      lastUsedAt: null,
      revokedAt: null,
    });
    return doc.toObject() as FeedRecord;
  }

  async listActive(ownerId: string): Promise<FeedRecord[]> {
    return this.model
      .find({ ownerId: new Types.ObjectId(ownerId), revokedAt: null })
      .sort({ _id: 1 })
      .lean<FeedRecord[]>()
      .exec();
  }

  async countActive(ownerId: string): Promise<number> {
    return this.model.countDocuments({ ownerId: new Types.ObjectId(ownerId), revokedAt: null }).exec();
  }

  /** Revokes a live feed of the owner; false when there is none with this id. */
  async revoke(ownerId: string, id: string, now: Date): Promise<boolean> {
    const _id = parseObjectId(id);
    if (!_id) return false;
    const res = await this.model
      .updateOne({ _id, ownerId: new Types.ObjectId(ownerId), revokedAt: null }, { $set: { revokedAt: now } })
      .exec();
    return res.modifiedCount === 1;
  }

  /** The live feed whose token has this hash (the public URL carries no owner). */
  async findActiveByTokenHash(tokenHash: string): Promise<FeedRecord | null> {
    return this.model.findOne({ tokenHash, revokedAt: null }).lean<FeedRecord>().exec();
  }

  async touch(id: Types.ObjectId, now: Date): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { lastUsedAt: now } }).exec();
  }
}
