import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export const APP_PASSWORD_SCOPES = ['read', 'write'] as const;
export type AppPasswordScope = (typeof APP_PASSWORD_SCOPES)[number];

/**
 * One app password (HTTP Basic for calendar apps): `prefix` finds it with one indexed read, and
 * only the SHA-256 of the secret is kept. Revoking deletes the document, so it stops at once.
 */
@Schema({
  collection: 'app_passwords',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: false },
})
export class AppPasswordDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) userId!: Types.ObjectId;
  @Prop({ required: true }) name!: string;
  @Prop({ type: String, required: true, enum: APP_PASSWORD_SCOPES }) scope!: AppPasswordScope;
  @Prop({ required: true }) prefix!: string;
  @Prop({ required: true }) secretHash!: string;
  @Prop({ type: Date, default: null }) lastUsedAt!: Date | null;
  createdAt!: Date;
}

export const AppPasswordSchema = SchemaFactory.createForClass(AppPasswordDoc);
AppPasswordSchema.index({ prefix: 1 }, { unique: true });
AppPasswordSchema.index({ userId: 1 });

/** An app password as its owner sees it (never the secret or its hash). */
export interface AppPasswordRecord {
  id: string;
  userId: string;
  name: string;
  scope: AppPasswordScope;
  createdAt: Date;
  lastUsedAt: Date | null;
}
