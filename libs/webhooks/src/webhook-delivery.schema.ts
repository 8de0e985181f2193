import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

@Schema({ _id: false })
export class DeliveryAttemptDoc {
  @Prop({ type: Date, required: true }) at!: Date;
  @Prop({ type: Number, default: null }) statusCode!: number | null;
  @Prop({ required: true }) latencyMs!: number;
  @Prop({ type: String, default: null }) error!: string | null;
}

/**
 * One notification to one webhook, with its exact body (so a replay sends the same bytes) and a
 * log of every attempt. Retries are scheduled by the job queue; this is the record users read.
 */
@Schema({
  collection: 'webhook_deliveries',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class WebhookDeliveryDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) ownerId!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) webhookId!: Types.ObjectId;
  /** The calendar of the changed event: each attempt needs the owner to still read it (absent on older deliveries). */
  @Prop({ type: Types.ObjectId, default: null }) calendarId!: Types.ObjectId | null;
  @Prop({ required: true }) eventType!: string;
  /** The notification's id (`evt_…`), the same on a replay so receivers can de-duplicate. */
  @Prop({ required: true }) notificationId!: string;
  @Prop({ required: true }) payload!: string;
  @Prop({ type: String, required: true }) status!: DeliveryStatus;
  @Prop({ type: [DeliveryAttemptDoc], default: [] }) attempts!: DeliveryAttemptDoc[];
  @Prop({ required: true, default: 1 }) maxAttempts!: number;
  @Prop({ type: Date, default: null }) nextAttemptAt!: Date | null;
  @Prop({ type: Types.ObjectId, default: null }) replayOf!: Types.ObjectId | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const WebhookDeliverySchema = SchemaFactory.createForClass(WebhookDeliveryDoc);
WebhookDeliverySchema.index({ ownerId: 1, webhookId: 1, _id: -1 });
WebhookDeliverySchema.index({ status: 1, updatedAt: 1 });

export type WebhookDeliveryRecord = Omit<WebhookDeliveryDoc, never>;
