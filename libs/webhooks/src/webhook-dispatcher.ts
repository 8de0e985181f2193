import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  CalendarAccessService,
  EventChange,
  EventChangeListener,
  EventChangePublisher,
  roleAtLeast,
  viewFor,
} from '@app/calendar';
import { randomBytes } from 'node:crypto';
import { WEBHOOK_MAX_ATTEMPTS } from './webhook-backoff';
import { WebhookDeliveryQueue } from './webhook-delivery.queue';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookRepository } from './webhook.repository';

/**
 * Turns event writes into deliveries: for each webhook watching the event's calendar and subscribed
 * to the change's type — of any user — whose owner still has at least `reader` on that calendar
 * (checked now, once per owner), a delivery (with the exact JSON body) is recorded and queued. A
 * reader's body shows a private event as busy only. Runs after the write succeeded; the HTTP calls
 * happen later, on the queue (which checks the role again before each attempt).
 */
@Injectable()
export class WebhookDispatcher implements EventChangeListener, OnModuleInit {
  private readonly logger = new Logger(WebhookDispatcher.name);

  constructor(
    private readonly publisher: EventChangePublisher,
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly queue: WebhookDeliveryQueue,
    private readonly access: CalendarAccessService,
  ) {}

  onModuleInit(): void {
    this.publisher.register(this);
  }

  async onEventChange(change: EventChange): Promise<void> {
    const r = change.record;
    const calendarId = String(r.calendarId ?? change.ownerId);
    const hooks = await this.webhooks.watching(calendarId, change.type);
    if (hooks.length === 0) return;
    const owners = [...new Set(hooks.map((h) => String(h.ownerId)))];
    const roles = new Map(
      await Promise.all(
        owners.map(
          async (id) => [id, (await this.access.roleOfAccount(id, calendarId))?.role ?? null] as const,
        ),
      ),
    );
    const notificationId = `evt_${randomBytes(16).toString('hex')}`;
    const deleted = change.type === 'event.deleted' || !!r.deletedAt;
    const bodies = new Map<string, string>();
    const payloadFor = (role: 'reader' | 'writer') => {
      let body = bodies.get(role);
      if (!body) {
        const event = deleted
          ? { id: String(r._id), uid: r.uid, deleted: true }
          : viewFor(r, r.timeZone, role);
        body = JSON.stringify({
          id: notificationId,
          type: change.type,
          createdAt: change.occurredAt.toISOString(),
          data: { event },
        });
        bodies.set(role, body);
      }
      return body;
    };
    for (const hook of hooks) {
      const ownerId = String(hook.ownerId);
      const role = roles.get(ownerId);
      if (!role || !roleAtLeast(role, 'reader')) {
        this.logger.log(
          `webhook ${String(hook._id)} skipped for ${change.type}: its owner no longer reads calendar ${calendarId}`,
        );
        continue;
      }
      const delivery = await this.deliveries.insert(ownerId, {
        webhookId: hook._id,
        calendarId,
        eventType: change.type,
        notificationId,
        payload: payloadFor(role === 'reader' ? 'reader' : 'writer'),
        maxAttempts: WEBHOOK_MAX_ATTEMPTS,
      });
      // If Redis is down now, the delivery stays pending and the queue's sweep enqueues it later.
      await this.queue
        .enqueue(ownerId, String(delivery._id), WEBHOOK_MAX_ATTEMPTS)
        .catch((err: Error) =>
          this.logger.warn(`webhook delivery ${String(delivery._id)} not queued yet: ${err.message}`),
        );
    }
  }
}
