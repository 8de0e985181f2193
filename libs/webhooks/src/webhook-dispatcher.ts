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
import type { WebhookEventType } from './webhook.dto';

type EventRecord = EventChange['record'];

/** What an `event.reminder` says about the occurrence (times in ms). */
export interface ReminderNotice {
  originalStart: number;
  start: number;
  end: number;
  minutesBefore: number;
  dueAt: number;
  /** Fired well after its due time (every worker was down then). */
  late: boolean;
}

/**
 * Turns event writes (and reminders) into deliveries: for each webhook watching the event's calendar and subscribed
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
    const deleted = change.type === 'event.deleted' || !!r.deletedAt;
    await this.fanOut(change.type, r, change.occurredAt, (role) => ({
      event: deleted ? { id: String(r._id), uid: r.uid, deleted: true } : viewFor(r, r.timeZone, role),
    }));
  }

  /**
   * An `event.reminder` to the subscriptions watching the event's calendar, with the same checks as
   * a change (the owner must read the calendar; a reader sees a private event as busy only). The
   * number of deliveries queued.
   */
  async dispatchReminder(record: EventRecord, reminder: ReminderNotice): Promise<number> {
    return this.fanOut('event.reminder', record, new Date(), (role) => ({
      event: viewFor(record, record.timeZone, role),
      occurrence: {
        originalStart: new Date(reminder.originalStart).toISOString(),
        start: new Date(reminder.start).toISOString(),
        end: new Date(reminder.end).toISOString(),
      },
      minutesBefore: reminder.minutesBefore,
      remindAt: new Date(reminder.dueAt).toISOString(),
      late: reminder.late,
    }));
  }

  private async fanOut(
    type: WebhookEventType,
    r: EventRecord,
    occurredAt: Date,
    dataFor: (role: 'reader' | 'writer') => Record<string, unknown>,
  ): Promise<number> {
    const calendarId = String(r.calendarId ?? r.ownerId);
    const hooks = await this.webhooks.watching(calendarId, type);
    if (hooks.length === 0) return 0;
    const owners = [...new Set(hooks.map((h) => String(h.ownerId)))];
    const roles = new Map(
      await Promise.all(
        owners.map(
          async (id) => [id, (await this.access.roleOfAccount(id, calendarId))?.role ?? null] as const,
        ),
      ),
    );
    const notificationId = `evt_${randomBytes(16).toString('hex')}`;
    const bodies = new Map<string, string>();
    const payloadFor = (role: 'reader' | 'writer') => {
      let body = bodies.get(role);
      if (!body) {
        body = JSON.stringify({
          id: notificationId,
          type,
          createdAt: occurredAt.toISOString(),
          data: dataFor(role),
        });
        bodies.set(role, body);
      }
      return body;
    };
    let queued = 0;
    for (const hook of hooks) {
      const ownerId = String(hook.ownerId);
      const role = roles.get(ownerId);
      if (!role || !roleAtLeast(role, 'reader')) {
        this.logger.log(
          `webhook ${String(hook._id)} skipped for ${type}: its owner no longer reads calendar ${calendarId}`,
        );
        continue;
      }
      const delivery = await this.deliveries.insert(ownerId, {
        webhookId: hook._id,
        calendarId,
        eventType: type,
        notificationId,
        payload: payloadFor(role === 'reader' ? 'reader' : 'writer'),
        maxAttempts: WEBHOOK_MAX_ATTEMPTS,
      });
      queued++;
      // If Redis is down now, the delivery stays pending and the queue's sweep enqueues it later.
      await this.queue
        .enqueue(ownerId, String(delivery._id), WEBHOOK_MAX_ATTEMPTS)
        .catch((err: Error) =>
          this.logger.warn(`webhook delivery ${String(delivery._id)} not queued yet: ${err.message}`),
        );
    }
    return queued;
  }
}
