import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventChange, EventChangeListener, EventChangePublisher, toSeries } from '@app/calendar';
import { nextReminders } from './reminder-plan';
import { reminderJobId, toJobs } from './reminder-job';
import { ReminderQueue } from './reminder.queue';

/**
 * Keeps the reminder jobs in step with event writes: a create or change plans the event's next
 * reminders for its new version (jobs of the old version find themselves stale when they run,
 * and those the change left at the same time are removed now); a delete removes them. If Redis is
 * down at the write, the reminders of that version are not scheduled (logged).
 */
@Injectable()
export class ReminderScheduler implements EventChangeListener, OnModuleInit {
  private readonly logger = new Logger(ReminderScheduler.name);

  constructor(
    private readonly publisher: EventChangePublisher,
    private readonly queue: ReminderQueue,
  ) {}

  onModuleInit(): void {
    this.publisher.register(this);
  }

  async onEventChange(change: EventChange, now = Date.now()): Promise<void> {
    const r = change.record;
    const eventId = String(r._id);
    // The timing of a tombstone is the deleted version's: its jobs are found from it.
    const planned = nextReminders(toSeries(r), now - 1, now);
    const previous = toJobs(eventId, r.version - 1, planned).map(reminderJobId);
    try {
      if (previous.length) await this.queue.remove(previous);
      if (change.type !== 'event.deleted' && !r.deletedAt)
        await this.queue.schedule(toJobs(eventId, r.version, planned), now);
    } catch (err) {
      this.logger.warn(`reminders of event ${eventId} not scheduled: ${(err as Error).message}`);
    }
  }
}
