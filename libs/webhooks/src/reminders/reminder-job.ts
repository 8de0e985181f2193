import type { PlannedReminder } from './reminder-plan';

/** A reminder job: one reminder of one occurrence of one version of an event. */
export interface ReminderJob extends PlannedReminder {
  eventId: string;
  /** The event's version when the job was planned; another version at fire time means stale. */
  version: number;
}

/**
 * Deterministic job id: the same reminder planned twice (two replicas, a retry, every reminder of an
 * occurrence planning the next) is one job. BullMQ ids may not contain ':'.
 */
export const reminderJobId = (
  j: Pick<ReminderJob, 'eventId' | 'originalStart' | 'minutesBefore' | 'version'>,
) => `rem_${j.eventId}_${j.originalStart}_${j.minutesBefore}_v${j.version}`;

export const toJobs = (eventId: string, version: number, planned: PlannedReminder[]): ReminderJob[] =>
  planned.map((p) => ({ ...p, eventId, version }));
