import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { RefreshTokenDoc, RefreshTokenRecord } from './refresh-token.schema';

const RECORD_FIELDS = { userId: 1, familyId: 1, expiresAt: 1, usedAt: 1, revokedAt: 1 } as const;

type LeanToken = Pick<RefreshTokenDoc, 'userId' | 'familyId' | 'expiresAt' | 'usedAt' | 'revokedAt'>;

/**
 * The only code that touches refresh_tokens. Each write is a single-document atomic operation —
 * FerretDB has no transactions — and revocation is scoped by the owning user.
 */
@Injectable()
export class RefreshTokenRepository {
  constructor(@InjectModel(RefreshTokenDoc.name) private readonly model: Model<RefreshTokenDoc>) {}

  async insert(
    userId: string,
    token: { familyId: string; tokenHash: string; expiresAt: Date },
  ): Promise<void> {
    await this.model.create({ ...token, userId: new Types.ObjectId(userId), usedAt: null, revokedAt: null });
  }

  /**
   * Marks the token used if it is neither used nor revoked, atomically: of two concurrent uses,
   * exactly one gets the record. Null when there is no such usable token.
   */
  async claim(tokenHash: string, now: Date): Promise<RefreshTokenRecord | null> {
    const doc = await this.model
      .findOneAndUpdate(
        { tokenHash, usedAt: null, revokedAt: null },
        { $set: { usedAt: now } },
        // No projection: FerretDB 1.24's findAndModify does not support one.
        { new: true },
      )
      .lean<LeanToken>()
      .exec();
    return doc ? toRecord(doc) : null;
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const doc = await this.model.findOne({ tokenHash }, RECORD_FIELDS).lean<LeanToken>().exec();
    return doc ? toRecord(doc) : null;
  }

  /** Revokes every not-yet-revoked token of the user's family; returns how many. */
  async revokeFamily(userId: string, familyId: string, now: Date): Promise<number> {
    const res = await this.model
      .updateMany(
        { userId: new Types.ObjectId(userId), familyId, revokedAt: null },
        { $set: { revokedAt: now } },
      )
      .exec();
    return res.modifiedCount;
  }

  /** Revokes every not-yet-revoked token of every family of the user; returns how many. */
  async revokeAllOfUser(userId: string, now: Date): Promise<number> {
    const res = await this.model
      .updateMany({ userId: new Types.ObjectId(userId), revokedAt: null }, { $set: { revokedAt: now } })
      .exec();
    return res.modifiedCount;
  }
}

function toRecord(doc: LeanToken): RefreshTokenRecord {
  return {
    userId: doc.userId.toHexString(),
    familyId: doc.familyId,
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt ?? null,
    revokedAt: doc.revokedAt ?? null,
  };
}
