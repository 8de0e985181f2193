import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventChange, EventReadRepository, MeetingPeople, ReminderPerson } from '@app/calendar';
import { MailQueue, reminderMail } from '@app/mail';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { WebhookDispatcher, type ReminderNotice } from '../webhook-dispatcher';
import { nextReminders } from './reminder-plan';
import { ReminderJob, toJobs } from './reminder-job';

type EventRecord = EventChange['record'];

/** A reminder that fires this long after its due time or later is `late` (every worker was down). */
export const LATE_AFTER_MS = 10_000;

export type ReminderOutcome = 'on_time' | 'late' | 'expired' | 'stale' | 'failed';

/**
 * Where a reminder goes, for the person it is for: webhooks (the calendar's side: the subscriptions
 * watching the event's calendar; an attendee: their own subscriptions watching their primary).
 * Email is a further channel here (deciding the recipient from the person).
 */
export interface ReminderChannel {
  readonly name: string;
  send(record: EventRecord, notice: ReminderNotice, person: ReminderPerson): Promise<void>;
}

/**
 * Fires one reminder job: checks it against the stored event (a deleted event, or another version
 * than the job was planned for, means a change replanned it: nothing is sent), skips an occurrence
 * that has already ended, marks one fired well after its due time `late`, sends it on every
 * channel, and hands the series' next reminders to the queue (never more than the next due time).
 */
@Injectable()
export class ReminderFirer {
  private readonly logger = new Logger(ReminderFirer.name);
  private readonly channels: ReminderChannel[];

  constructor(
    private readonly events: EventReadRepository,
    dispatcher: WebhookDispatcher,
    private readonly people: MeetingPeople,
    @InjectMetric(METRICS.remindersFired) private readonly fired: Counter<string>,
    @Optional() mail?: MailQueue,
  ) {
    this.channels = [
      {
        name: 'webhook',
        send: (r, n, person) =>
          (person.account
            ? dispatcher.dispatchAttendeeReminder(person.account, r, n)
            : dispatcher.dispatchReminder(r, n)
          ).then(() => undefined),
      },
    ];
    // With SMTP_URL: an email to the person too (queued; the mail queue retries on its own) — the
    // invited account's address, or the organizer's for the calendar's side.
    if (mail?.enabled)
      this.channels.push({
        name: 'email',
        send: async (r, n, person) => {
          const to = person.account ? person.account.email : r.organizer?.email;
          if (to) await mail.add([reminderMail(to, r, { ...n, eventId: String(r._id) })]);
        },
      });
  }

  /**
   * One job is one person's reminder (`job.person`: an invited account; absent: the calendar's side).
   * `scheduleNext` is called before anything is sent: if it throws (Redis refused), the job fails
   * and is retried with nothing sent twice.
   */
  async fire(
    job: ReminderJob,
    scheduleNext: (next: ReminderJob[]) => Promise<void>,
    now = Date.now(),
  ): Promise<ReminderOutcome> {
    const record = await this.events.anyById(job.eventId);
    if (!record || record.deletedAt || record.version !== job.version) {
      this.count('stale');
      return 'stale';
    }
    // The person as of this version (the job was planned from it): gone only if the data changed under it.
    const person = (await this.people.reminderPeople(record)).find((p) => p.account?.id === job.person);
    if (!person) {
      this.count('stale');
      return 'stale';
    }
    await scheduleNext(
      toJobs(job.eventId, job.version, nextReminders(person.series, job.dueAt, now), job.person),
    );
    const outcome = reminderOutcome(job, now);
    if (outcome === 'expired') {
      this.count('expired');
      return outcome;
    }
    const notice = { ...job, late: outcome === 'late' };
    for (const channel of this.channels) {
      try {
        await channel.send(record, notice, person);
        this.fired.inc({ channel: channel.name, outcome });
      } catch (err) {
        // Counted and logged, not retried: a retry would repeat the channels that succeeded.
        this.fired.inc({ channel: channel.name, outcome: 'failed' });
        this.logger.warn(`reminder ${job.eventId} (${channel.name}) failed: ${(err as Error).message}`);
      }
    }
    return outcome;
  }

  private count(outcome: ReminderOutcome): void {
    for (const channel of this.channels) this.fired.inc({ channel: channel.name, outcome });
  }
}

/**
 * On time; late (fired {@link LATE_AFTER_MS} or more after its due time); or expired (late, and the
 * occurrence has ended by now: nobody needs reminding of it any more).
 */
export function reminderOutcome(
  job: Pick<ReminderJob, 'dueAt' | 'end'>,
  now: number,
): 'on_time' | 'late' | 'expired' {
  if (now - job.dueAt < LATE_AFTER_MS) return 'on_time';
  return now > job.end ? 'expired' : 'late';
}
