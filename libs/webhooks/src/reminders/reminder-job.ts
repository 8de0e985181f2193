import type { PlannedReminder } from './reminder-plan';

/** A reminder job: one reminder of one occurrence of one version of an event, for one person. */
export interface ReminderJob extends PlannedReminder {
  eventId: string;
  /** The event's version when the job was planned; another version at fire time means stale. */
  version: number;
  /** The invited account reminded (their own subscriptions); absent: the event's calendar's side. */
  person?: string;
}

/**
 * Deterministic job id: the same reminder planned twice (two replicas, a retry, every reminder of an
 * occurrence planning the next) is one job. The calendar's side keeps the id it had before
 * per-person reminders (jobs already in Redis stay the same job); an attendee's ends in `_p<account>`.
 * BullMQ ids may not contain ':'.
 */
export const reminderJobId = (
  j: Pick<ReminderJob, 'eventId' | 'originalStart' | 'minutesBefore' | 'version' | 'person'>,
) => `rem_${j.eventId}_${j.originalStart}_${j.minutesBefore}_v${j.version}${j.person ? `_p${j.person}` : ''}`;

export const toJobs = (
  eventId: string,
  version: number,
  planned: PlannedReminder[],
  person?: string,
): ReminderJob[] => planned.map((p) => ({ ...p, eventId, version, ...(person ? { person } : {}) }));
