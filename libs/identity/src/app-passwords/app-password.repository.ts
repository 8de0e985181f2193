import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { parseObjectId } from '@app/database';
import { Model, trusted, Types } from 'mongoose';
import { AppPasswordDoc, AppPasswordRecord, AppPasswordScope } from './app-password.schema';

const LIST_FIELDS = { userId: 1, name: 1, scope: 1, createdAt: 1, lastUsedAt: 1 } as const;
type LeanAppPassword = Pick<AppPasswordDoc, '_id' | 'userId' | 'name' | 'scope' | 'createdAt' | 'lastUsedAt'>;

const toRecord = (d: LeanAppPassword): AppPasswordRecord => ({
  id: String(d._id),
  userId: String(d.userId),
  name: d.name,
  scope: d.scope,
  createdAt: d.createdAt,
  lastUsedAt: d.lastUsedAt ?? null,
});

/** The only code that touches app_passwords; every query but the lookup by prefix names the owner. */
@Injectable()
export class AppPasswordRepository {
  constructor(@InjectModel(AppPasswordDoc.name) private readonly model: Model<AppPasswordDoc>) {}

  async insert(
    userId: string,
    fields: { name: string; scope: AppPasswordScope; prefix: string; secretHash: string },
  ): Promise<AppPasswordRecord> {
    const doc = await this.model.create({ ...fields, userId: new Types.ObjectId(userId), lastUsedAt: null });
    return toRecord(doc.toObject());
  }

  async listOfUser(userId: string): Promise<AppPasswordRecord[]> {
    const docs = await this.model
      .find({ userId: new Types.ObjectId(userId) }, LIST_FIELDS)
      .sort({ _id: 1 })
      .lean<LeanAppPassword[]>()
      .exec();
    return docs.map(toRecord);
  }

  async countOfUser(userId: string): Promise<number> {
    return this.model.countDocuments({ userId: new Types.ObjectId(userId) }).exec();
  }

  /** The password with this lookup prefix, with its hash, for verification. */
  async findByPrefix(prefix: string): Promise<(AppPasswordRecord & { secretHash: string }) | null> {
    const doc = await this.model
      .findOne({ prefix }, { ...LIST_FIELDS, secretHash: 1 })
      .lean<LeanAppPassword & { secretHash: string }>()
      .exec();
    return doc ? { ...toRecord(doc), secretHash: doc.secretHash } : null;
  }

  /** Deletes the user's password; false when they have none with this id. */
  async delete(userId: string, id: string): Promise<boolean> {
    const _id = parseObjectId(id);
    if (!_id) return false;
    const res = await this.model.deleteOne({ _id, userId: new Types.ObjectId(userId) }).exec();
    return res.deletedCount === 1;
  }

  /** Revokes every app password of the user (a password change); how many there were. */
  async deleteAllOfUser(userId: string): Promise<number> {
    const res = await this.model.deleteMany({ userId: new Types.ObjectId(userId) }).exec();
    return res.deletedCount;
  }

  /** Records a use, at most once per `everyMs` (one conditional single-document update). */
  async touch(id: string, now: Date, everyMs: number): Promise<void> {
    await this.model
      .updateOne(
        {
          _id: new Types.ObjectId(id),
          $or: [{ lastUsedAt: null }, { lastUsedAt: trusted({ $lt: new Date(now.getTime() - everyMs) }) }],
        },
        { $set: { lastUsedAt: now } },
      )
      .exec();
  }
}
