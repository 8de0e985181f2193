import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventChange, EventChangeListener, EventChangePublisher, MeetingPeople } from '@app/calendar';
import { nextReminders } from './reminder-plan';
import { ReminderJob, reminderJobId, toJobs } from './reminder-job';
import { ReminderQueue } from './reminder.queue';

/**
 * Keeps the reminder jobs in step with event writes: a create or change plans the event's next
 * reminders for its new version, for each person reminded (the calendar's side and every invited
 * account that has not declined: MeetingPeople.reminderPeople) — jobs of the old version find
 * themselves stale when they run, and those the change left at the same time are removed now; a
 * delete removes them. A reminder already due when the event is saved (10 minutes before an event
 * starting in 5) is not sent. If Redis is down at the write, the reminders of that version are not
 * scheduled (logged): the event's next write plans them again (docs/runbook.md).
 */
@Injectable()
export class ReminderScheduler implements EventChangeListener, OnModuleInit {
  private readonly logger = new Logger(ReminderScheduler.name);

  constructor(
    private readonly publisher: EventChangePublisher,
    private readonly queue: ReminderQueue,
    private readonly people: MeetingPeople,
  ) {}

  onModuleInit(): void {
    this.publisher.register(this);
  }

  async onEventChange(change: EventChange, now = Date.now()): Promise<void> {
    const r = change.record;
    const eventId = String(r._id);
    try {
      const previous: string[] = [];
      const next: ReminderJob[] = [];
      for (const person of await this.people.reminderPeople(r)) {
        // The timing of a tombstone is the deleted version's: its jobs are found from it.
        const planned = nextReminders(person.series, now - 1, now);
        previous.push(...toJobs(eventId, r.version - 1, planned, person.account?.id).map(reminderJobId));
        next.push(...toJobs(eventId, r.version, planned, person.account?.id));
      }
      if (previous.length) await this.queue.remove(previous);
      if (change.type !== 'event.deleted' && !r.deletedAt) await this.queue.schedule(next, now);
    } catch (err) {
      this.logger.warn(`reminders of event ${eventId} not scheduled: ${(err as Error).message}`);
    }
  }
}
