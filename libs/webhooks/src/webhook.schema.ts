import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/** A subscription: where to POST which event types, with its (encrypted) signing secret. */
@Schema({
  collection: 'webhooks',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class WebhookDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) ownerId!: Types.ObjectId;
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

export type WebhookRecord = Omit<WebhookDoc, never>;
