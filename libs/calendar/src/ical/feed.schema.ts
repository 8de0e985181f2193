import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import type { FeedKind } from './ical.dto';

/**
 * A secret iCalendar subscription URL. Only the SHA-256 of its token is stored, so a database
 * leak does not reveal working URLs; revoking sets `revokedAt` and the URL answers 404 from then on.
 */
@Schema({ collection: 'feeds', versionKey: false, timestamps: { createdAt: 'createdAt', updatedAt: false } })
export class FeedDoc {
  _id!: Types.ObjectId;
  /** The feed's creator: the feed serves the calendar only while they hold the role it needs. */
  @Prop({ type: Types.ObjectId, required: true }) ownerId!: Types.ObjectId;
  /** The calendar served. Absent on feeds made before calendars: the creator's primary (its id is ownerId). */
  @Prop({ type: Types.ObjectId }) calendarId?: Types.ObjectId;
  @Prop({ type: String, required: true }) kind!: FeedKind;
  @Prop({ type: String, default: null }) name!: string | null;
  @Prop({ required: true }) tokenHash!: string;
  @Prop({ type: Date, default: null }) lastUsedAt!: Date | null;
  @Prop({ type: Date, default: null }) revokedAt!: Date | null;
  createdAt!: Date;
}

export const FeedSchema = SchemaFactory.createForClass(FeedDoc);
FeedSchema.index({ tokenHash: 1 }, { unique: true });
FeedSchema.index({ ownerId: 1, revokedAt: 1 });

export type FeedRecord = Omit<FeedDoc, never>;
