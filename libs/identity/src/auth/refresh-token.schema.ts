import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One refresh token, stored as the SHA-256 of the opaque token (never the token itself). Tokens
 * issued by rotating one another share a `familyId`; each is single-use (`usedAt`), and presenting
 * a used one revokes the whole family (`revokedAt`). Expiry is checked by the code on every use.
 */
@Schema({
  collection: 'refresh_tokens',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: false },
})
export class RefreshTokenDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) userId!: Types.ObjectId;
  @Prop({ required: true }) familyId!: string;
  @Prop({ required: true }) tokenHash!: string;
  @Prop({ type: Date, required: true }) expiresAt!: Date;
  @Prop({ type: Date, default: null }) usedAt!: Date | null;
  @Prop({ type: Date, default: null }) revokedAt!: Date | null;
  createdAt!: Date;
}

export const RefreshTokenSchema = SchemaFactory.createForClass(RefreshTokenDoc);
RefreshTokenSchema.index({ tokenHash: 1 }, { unique: true });
RefreshTokenSchema.index({ userId: 1 });
RefreshTokenSchema.index({ familyId: 1 });

/** A refresh token record as read from MongoDB. */
export interface RefreshTokenRecord {
  userId: string;
  familyId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}
