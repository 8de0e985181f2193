import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { findOwnedById, parseObjectId } from '@app/database';
import { Model, Types, trusted } from 'mongoose';
import { WebhookDoc, WebhookRecord } from './webhook.schema';

/**
 * The only code that touches the webhooks collection; every method is scoped by owner except
 * `watching`, which finds the subscriptions of anyone watching a calendar (the dispatcher then
 * checks each owner's role).
 */
@Injectable()
export class WebhookRepository {
  constructor(@InjectModel(WebhookDoc.name) private readonly model: Model<WebhookDoc>) {}

  async insert(
    ownerId: string,
    hook: {
      url: string;
      events: string[];
      calendarIds: string[];
      description: string | null;
      secretEnc: string;
    },
  ): Promise<WebhookRecord> {
    const doc = await this.model.create({
      ...hook,
      calendarIds: hook.calendarIds.map((id) => new Types.ObjectId(id)),
      ownerId: new Types.ObjectId(ownerId),
    });
    return doc.toObject() as WebhookRecord;
  }

  async list(ownerId: string): Promise<WebhookRecord[]> {
    return this.model
      .find({ ownerId: new Types.ObjectId(ownerId) })
      .sort({ _id: 1 })
      .lean<WebhookRecord[]>()
      .exec();
  }

  async count(ownerId: string): Promise<number> {
    return this.model.countDocuments({ ownerId: new Types.ObjectId(ownerId) }).exec();
  }

  async findById(ownerId: string, id: string): Promise<WebhookRecord | null> {
    return findOwnedById<WebhookRecord, WebhookDoc>(this.model, ownerId, id);
  }

  /**
   * Every subscription, of any owner, watching the calendar for `eventType`; one without
   * `calendarIds` (made before calendars) watches its owner's primary calendar, whose id is the
   * owner's.
   */
  async watching(calendarId: string, eventType: string): Promise<WebhookRecord[]> {
    const id = new Types.ObjectId(calendarId);
    return this.model
      .find({
        events: eventType,
        $or: [{ calendarIds: id }, { calendarIds: trusted({ $exists: false }), ownerId: id }],
      })
      .sort({ _id: 1 })
      .lean<WebhookRecord[]>()
      .exec();
  }

  /**
   * The account's own subscriptions to `eventType` watching its primary calendar (whose id is the
   * account's): where the meetings it is invited to reach it.
   */
  async watchingOwnPrimary(accountId: string, eventType: string): Promise<WebhookRecord[]> {
    const id = new Types.ObjectId(accountId);
    return this.model
      .find({
        ownerId: id,
        events: eventType,
        $or: [{ calendarIds: id }, { calendarIds: trusted({ $exists: false }) }],
      })
      .sort({ _id: 1 })
      .lean<WebhookRecord[]>()
      .exec();
  }

  async remove(ownerId: string, id: string): Promise<boolean> {
    const _id = parseObjectId(id);
    if (!_id) return false;
    const res = await this.model.deleteOne({ _id, ownerId: new Types.ObjectId(ownerId) }).exec();
    return res.deletedCount === 1;
  }
}
