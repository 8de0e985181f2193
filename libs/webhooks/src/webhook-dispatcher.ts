import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  attendeeView,
  CalendarAccessService,
  EventChange,
  EventChangeListener,
  EventChangePublisher,
  MeetingAccount,
  MeetingPeople,
  roleAtLeast,
  viewFor,
} from '@app/calendar';
import { randomBytes } from 'node:crypto';
import { WEBHOOK_MAX_ATTEMPTS } from './webhook-backoff';
import { WebhookDeliveryQueue } from './webhook-delivery.queue';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookRepository } from './webhook.repository';
import type { WebhookEventType } from './webhook.dto';
import type { WebhookRecord } from './webhook.schema';

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
 *
 * A meeting also reaches its invited accounts, as it is on their primary calendar: their own
 * subscriptions watching their primary get its changes in their view (their response), `event.invited`
 * when added, and `event.deleted` when it is cancelled or they are taken off. Nobody else's
 * subscriptions get anything through an invitation. An RSVP is also `event.responded` to the
 * meeting's calendar's subscriptions.
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
    private readonly people: MeetingPeople,
  ) {}

  onModuleInit(): void {
    this.publisher.register(this);
  }

  async onEventChange(change: EventChange): Promise<void> {
    const r = change.record;
    const deleted = change.type === 'event.deleted' || !!r.deletedAt;
    const tombstone = { id: String(r._id), uid: r.uid, deleted: true };
    const reached = await this.fanOut(change.type, r, change.occurredAt, (role) => ({
      event: deleted ? tombstone : viewFor(r, r.timeZone, role),
    }));
    if (change.response) {
      const { email, ...answer } = change.response;
      const attendee = (r.attendees ?? []).find((a) => a.email === email);
      await this.fanOut('event.responded', r, change.occurredAt, (role) => ({
        event: viewFor(r, r.timeZone, role),
        attendee: { email, ...(attendee?.name ? { name: attendee.name } : {}) },
        ...answer,
      }));
    }
    await this.toInvitees(change, deleted, reached);
  }

  /** The meeting's changes to the subscriptions of its invited (and just uninvited) accounts. */
  private async toInvitees(change: EventChange, deleted: boolean, reached: Set<string>): Promise<void> {
    const r = change.record;
    const now = new Set(r.attendeeEmails ?? []);
    const before = change.previousAttendeeEmails ? new Set(change.previousAttendeeEmails) : null;
    const dropped = before ? [...before].filter((e) => !now.has(e)) : [];
    const accounts = await this.people.accounts([...now, ...dropped]);
    const calendarId = String(r.calendarId);
    const tombstone = { id: String(r._id), uid: r.uid, deleted: true };
    for (const account of accounts) {
      // Their own calendar's event (its subscriptions were reached above), or their own meeting elsewhere.
      if (account.id === calendarId || account.email === r.organizer?.email) continue;
      const invited = now.has(account.email);
      if (!invited || deleted) {
        await this.toAccount(account, 'event.deleted', change.occurredAt, { event: tombstone }, reached);
        continue;
      }
      const data = { event: attendeeView(account, r, r.timeZone) };
      const added = before !== null && !before.has(account.email);
      await this.toAccount(account, added ? 'event.created' : change.type, change.occurredAt, data, reached);
      // Never sent through the calendar: a subscription that got the change there still gets this.
      if (added) await this.toAccount(account, 'event.invited', change.occurredAt, data, new Set());
    }
  }

  /**
   * An `event.reminder` to the subscriptions watching the event's calendar, with the same checks as
   * a change (the owner must read the calendar; a reader sees a private event as busy only). The
   * number of deliveries queued.
   */
  async dispatchReminder(record: EventRecord, reminder: ReminderNotice): Promise<number> {
    return (
      await this.fanOut('event.reminder', record, new Date(), (role) => ({
        event: viewFor(record, record.timeZone, role),
        ...reminderData(reminder),
      }))
    ).size;
  }

  /** An attendee's own `event.reminder`: to their subscriptions watching their primary, in their view. */
  async dispatchAttendeeReminder(
    account: MeetingAccount,
    record: EventRecord,
    reminder: ReminderNotice,
  ): Promise<number> {
    const data = { event: attendeeView(account, record, record.timeZone), ...reminderData(reminder) };
    return this.toAccount(account, 'event.reminder', new Date(), data, new Set());
  }

  /**
   * One account's own primary-calendar subscriptions to `type`, but those `reached` already (which
   * see the meeting through a calendar they watch: its change reached them there, in that view).
   */
  private async toAccount(
    account: MeetingAccount,
    type: WebhookEventType,
    occurredAt: Date,
    data: Record<string, unknown>,
    reached: Set<string>,
  ): Promise<number> {
    const hooks = (await this.webhooks.watchingOwnPrimary(account.id, type)).filter(
      (h) => !reached.has(String(h._id)),
    );
    if (hooks.length === 0) return 0;
    const notificationId = `evt_${randomBytes(16).toString('hex')}`;
    const body = JSON.stringify({
      id: notificationId,
      type,
      createdAt: occurredAt.toISOString(),
      data,
    });
    for (const hook of hooks) await this.deliver(hook, account.id, account.id, type, notificationId, body);
    return hooks.length;
  }

  /** Deliveries to the subscriptions watching the event's calendar; the ids of those reached. */
  private async fanOut(
    type: WebhookEventType,
    r: EventRecord,
    occurredAt: Date,
    dataFor: (role: 'reader' | 'writer') => Record<string, unknown>,
  ): Promise<Set<string>> {
    const reached = new Set<string>();
    const calendarId = String(r.calendarId ?? r.ownerId);
    const hooks = await this.webhooks.watching(calendarId, type);
    if (hooks.length === 0) return reached;
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
    for (const hook of hooks) {
      const ownerId = String(hook.ownerId);
      const role = roles.get(ownerId);
      if (!role || !roleAtLeast(role, 'reader')) {
        this.logger.log(
          `webhook ${String(hook._id)} skipped for ${type}: its owner no longer reads calendar ${calendarId}`,
        );
        continue;
      }
      await this.deliver(
        hook,
        ownerId,
        calendarId,
        type,
        notificationId,
        payloadFor(role === 'reader' ? 'reader' : 'writer'),
      );
      reached.add(String(hook._id));
    }
    return reached;
  }

  /** Records one delivery and queues it (the queue re-checks the owner's role on `calendarId` before each attempt). */
  private async deliver(
    hook: WebhookRecord,
    ownerId: string,
    calendarId: string,
    type: WebhookEventType,
    notificationId: string,
    payload: string,
  ): Promise<void> {
    const delivery = await this.deliveries.insert(ownerId, {
      webhookId: hook._id,
      calendarId,
      eventType: type,
      notificationId,
      payload,
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

function reminderData(reminder: ReminderNotice): Record<string, unknown> {
  return {
    occurrence: {
      originalStart: new Date(reminder.originalStart).toISOString(),
      start: new Date(reminder.start).toISOString(),
      end: new Date(reminder.end).toISOString(),
    },
    minutesBefore: reminder.minutesBefore,
    remindAt: new Date(reminder.dueAt).toISOString(),
    late: reminder.late,
  };
}
