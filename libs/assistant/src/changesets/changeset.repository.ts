import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { findOwnedById, parseObjectId } from '@app/database';
import { Model, Types } from 'mongoose';
import { ChangesetDoc, ChangesetRecord, ChangesetState } from './changeset.schema';

export type NewChangeset = Omit<
  ChangesetDoc,
  '_id' | 'ownerId' | 'createdAt' | 'updatedAt' | 'confirmedAt' | 'undoUntil' | 'undoneAt'
> &
  Partial<Pick<ChangesetDoc, 'confirmedAt' | 'undoUntil'>>;

/**
 * The only code that touches the changesets collection. Every method takes the owner's id: another
 * user's changeset is simply not found. State changes are single-document compare-and-set writes
 * (FerretDB has no transactions), so of two concurrent confirms exactly one wins.
 */
@Injectable()
export class ChangesetRepository {
  constructor(@InjectModel(ChangesetDoc.name) private readonly model: Model<ChangesetDoc>) {}

  async insert(ownerId: string, changeset: NewChangeset): Promise<ChangesetRecord> {
    const doc = await this.model.create({
      ...changeset,
      ownerId: new Types.ObjectId(ownerId),
      confirmedAt: changeset.confirmedAt ?? null,
      undoUntil: changeset.undoUntil ?? null,
      undoneAt: null,
    });
    return doc.toObject() as ChangesetRecord;
  }

  async findById(ownerId: string, id: string): Promise<ChangesetRecord | null> {
    return findOwnedById<ChangesetRecord, ChangesetDoc>(this.model, ownerId, id);
  }

  /** The owner's most recently applied changeset still in `confirmed` (not undone), if any. */
  async latestConfirmed(ownerId: string): Promise<ChangesetRecord | null> {
    return this.model
      .findOne({ ownerId: new Types.ObjectId(ownerId), state: 'confirmed' })
      .sort({ confirmedAt: -1, _id: -1 })
      .lean<ChangesetRecord>()
      .exec();
  }

  /** Moves the changeset from `from` to `to` (and sets `fields`) if it is still in `from`; null otherwise. */
  async transition(
    ownerId: string,
    id: string,
    from: ChangesetState,
    to: ChangesetState,
    fields: Partial<Pick<ChangesetDoc, 'items' | 'confirmedAt' | 'undoUntil' | 'undoneAt'>> = {},
  ): Promise<ChangesetRecord | null> {
    const _id = parseObjectId(id);
    if (!_id) return null;
    return this.model
      .findOneAndUpdate(
        { _id, ownerId: new Types.ObjectId(ownerId), state: from },
        { $set: { ...fields, state: to } },
        { new: true },
      )
      .lean<ChangesetRecord>()
      .exec();
  }
}
