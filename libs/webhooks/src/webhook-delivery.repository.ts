import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { findOwnedById } from '@app/database';
import { Model, Types, trusted } from 'mongoose';
import { DeliveryStatus, WebhookDeliveryDoc, WebhookDeliveryRecord } from './webhook-delivery.schema';

export interface NewDelivery {
  webhookId: Types.ObjectId;
  calendarId?: string | Types.ObjectId | null;
  eventType: string;
  notificationId: string;
  payload: string;
  maxAttempts: number;
  replayOf?: Types.ObjectId | null;
}

/** The only code that touches webhook_deliveries; scoped by owner. */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(@InjectModel(WebhookDeliveryDoc.name) private readonly model: Model<WebhookDeliveryDoc>) {}

  async insert(ownerId: string, d: NewDelivery): Promise<WebhookDeliveryRecord> {
    const doc = await this.model.create({
      ...d,
      calendarId: d.calendarId ? new Types.ObjectId(d.calendarId) : null,
      replayOf: d.replayOf ?? null,
      ownerId: new Types.ObjectId(ownerId),
      status: 'pending',
      attempts: [],
      nextAttemptAt: null,
    });
    return doc.toObject() as WebhookDeliveryRecord;
  }

  async findById(ownerId: string, id: string): Promise<WebhookDeliveryRecord | null> {
    return findOwnedById<WebhookDeliveryRecord, WebhookDeliveryDoc>(this.model, ownerId, id);
  }

  /** A webhook's deliveries, newest first. */
  async listForWebhook(ownerId: string, webhookId: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    return this.model
      .find({ ownerId: new Types.ObjectId(ownerId), webhookId: new Types.ObjectId(webhookId) })
      .sort({ _id: -1 })
      .limit(limit)
      .lean<WebhookDeliveryRecord[]>()
      .exec();
  }

  async recordAttempt(
    ownerId: string,
    id: string,
    attempt: { at: Date; statusCode: number | null; latencyMs: number; error: string | null },
    status: DeliveryStatus,
    nextAttemptAt: Date | null,
  ): Promise<void> {
    await this.model
      .updateOne(
        { _id: new Types.ObjectId(id), ownerId: new Types.ObjectId(ownerId) },
        { $push: { attempts: attempt }, $set: { status, nextAttemptAt } },
      )
      .exec();
  }

  async setStatus(ownerId: string, id: string, status: DeliveryStatus): Promise<void> {
    await this.model
      .updateOne(
        { _id: new Types.ObjectId(id), ownerId: new Types.ObjectId(ownerId) },
        { $set: { status, nextAttemptAt: null } },
      )
      .exec();
  }

  /** Deliveries never attempted and not touched since `before`: re-enqueued by the sweep. */
  async pendingSince(before: Date, limit: number): Promise<WebhookDeliveryRecord[]> {
    return this.model
      .find({ status: 'pending', updatedAt: trusted({ $lt: before }) })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<WebhookDeliveryRecord[]>()
      .exec();
  }
}
