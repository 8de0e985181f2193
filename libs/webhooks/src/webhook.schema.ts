import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A subscription: where to POST which event types of which calendars, with its (encrypted) signing
 * secret. A change is delivered only while the owner still has at least `reader` on its calendar.
 */
@Schema({
  collection: 'webhooks',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class WebhookDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) ownerId!: Types.ObjectId;
  /**
   * The calendars watched. Absent on subscriptions made before calendars (until the migration fills
   * it): the owner's primary calendar, whose id is the owner's (`watchedCalendars`).
   */
  @Prop({ type: [Types.ObjectId], default: undefined }) calendarIds?: Types.ObjectId[];
  @Prop({ required: true }) url!: string;
  @Prop({ type: [String], required: true }) events!: string[];
  @Prop({ type: String, default: null }) description!: string | null;
  /** AES-256-GCM of the signing secret (WebhookSecretCipher). */
  @Prop({ required: true }) secretEnc!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export const WebhookSchema = SchemaFactory.createForClass(WebhookDoc);
WebhookSchema.index({ ownerId: 1, events: 1 });
WebhookSchema.index({ calendarIds: 1, events: 1 });

export type WebhookRecord = Omit<WebhookDoc, never>;

/** The calendars a subscription watches (a subscription from before calendars: its owner's primary). */
export const watchedCalendars = (r: Pick<WebhookRecord, 'calendarIds' | 'ownerId'>): string[] =>
  (r.calendarIds ?? [r.ownerId]).map(String);
