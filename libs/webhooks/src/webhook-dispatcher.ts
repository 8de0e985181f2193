import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventChange, EventChangeListener, EventChangePublisher, toEventResponse } from '@app/calendar';
import { randomBytes } from 'node:crypto';
import { WEBHOOK_MAX_ATTEMPTS } from './webhook-backoff';
import { WebhookDeliveryQueue } from './webhook-delivery.queue';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookRepository } from './webhook.repository';

/**
 * Turns event writes into deliveries: for each webhook of the owner subscribed to the change's
 * type, a delivery (with the exact JSON body) is recorded and queued. Runs after the write
 * succeeded; the HTTP calls happen later, on the queue.
 */
@Injectable()
export class WebhookDispatcher implements EventChangeListener, OnModuleInit {
  private readonly logger = new Logger(WebhookDispatcher.name);

  constructor(
    private readonly publisher: EventChangePublisher,
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly queue: WebhookDeliveryQueue,
  ) {}

  onModuleInit(): void {
    this.publisher.register(this);
  }

  async onEventChange(change: EventChange): Promise<void> {
    const hooks = await this.webhooks.subscribedTo(change.ownerId, change.type);
    if (hooks.length === 0) return;
    const r = change.record;
    const event =
      change.type === 'event.deleted' || r.deletedAt
        ? { id: String(r._id), uid: r.uid, deleted: true }
        : toEventResponse(r, r.timeZone);
    const notificationId = `evt_${randomBytes(16).toString('hex')}`;
    const payload = JSON.stringify({
      id: notificationId,
      type: change.type,
      createdAt: change.occurredAt.toISOString(),
      data: { event },
    });
    for (const hook of hooks) {
      const delivery = await this.deliveries.insert(change.ownerId, {
        webhookId: hook._id,
        eventType: change.type,
        notificationId,
        payload,
        maxAttempts: WEBHOOK_MAX_ATTEMPTS,
      });
      // If Redis is down now, the delivery stays pending and the queue's sweep enqueues it later.
      await this.queue
        .enqueue(change.ownerId, String(delivery._id), WEBHOOK_MAX_ATTEMPTS)
        .catch((err: Error) =>
          this.logger.warn(`webhook delivery ${String(delivery._id)} not queued yet: ${err.message}`),
        );
    }
  }
}
