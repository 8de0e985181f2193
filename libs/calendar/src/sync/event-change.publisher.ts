import { Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '@app/common';
import type { EventRecord } from '../events/event.schema';
import { EventReadRepository } from './event-read.repository';

export const EVENT_CHANGE_TYPES = ['event.created', 'event.updated', 'event.deleted'] as const;
export type EventChangeType = (typeof EVENT_CHANGE_TYPES)[number];

/** One successful write to an event, published after it is stored. */
export interface EventChange {
  type: EventChangeType;
  /** The owner of the event's calendar (the calendar is `record.calendarId`). */
  ownerId: string;
  eventId: string;
  /** The stored event after the write (for a deletion: its tombstone). */
  record: EventRecord;
  occurredAt: Date;
  /**
   * The addresses invited before the write, when it can change who is (a create: none; an
   * organizer's edit: the list it replaced): whoever it adds is told (`event.invited`), whoever it
   * drops sees the meeting deleted. Absent: the write did not change who is invited.
   */
  previousAttendeeEmails?: readonly string[];
  /** The attendee's answer that made this change (an RSVP): the organizer's side is told (`event.responded`). */
  response?: EventResponseNotice;
}

/** An attendee's answer, as `event.responded` reports it. */
export interface EventResponseNotice {
  /** The attendee's address (lower-case). */
  email: string;
  response: 'accepted' | 'declined' | 'tentative';
  comment: string | null;
  scope: 'this' | 'thisAndFollowing' | 'all';
  /** The occurrence answered (scope this / thisAndFollowing), ISO. */
  occurrenceStart: string | null;
}

/** What a writer publishes: the record is optional (loaded when missing). */
export type PublishedChange = Omit<EventChange, 'occurredAt' | 'record'> & { record?: EventRecord };

/** Reacts to event writes (webhooks). Must not throw for the writer's sake; errors are logged. */
export interface EventChangeListener {
  onEventChange(change: EventChange): Promise<void>;
}

/** A listener gets this long per change; a slow or broken listener never fails or stalls a write. */
const LISTENER_TIMEOUT_MS = 2000;

/**
 * Fan-out of event writes to in-process listeners (the webhooks lib registers one). Writers call
 * `publish` after a write succeeded; listeners run with a bound and their errors are logged, so the
 * write's response never depends on them. Incremental sync does not need this: it reads the
 * events collection itself (updatedAt and tombstones).
 */
@Injectable()
export class EventChangePublisher {
  private readonly logger = new Logger(EventChangePublisher.name);
  private readonly listeners: EventChangeListener[] = [];

  constructor(private readonly reads: EventReadRepository) {}

  register(listener: EventChangeListener): void {
    this.listeners.push(listener);
  }

  /** Tells every listener; a change without its record gets it loaded (once, only when someone listens). */
  async publish(changes: PublishedChange | PublishedChange[]): Promise<void> {
    const given = Array.isArray(changes) ? changes : [changes];
    if (this.listeners.length === 0 || given.length === 0) return;
    const occurredAt = new Date();
    const list: EventChange[] = [];
    for (const c of given) {
      const record = c.record ?? (await this.reads.anyById(c.eventId).catch(() => null));
      if (record) list.push({ ...c, record, occurredAt });
      else
        this.logger.warn(
          `${c.type} for event ${c.eventId}: the event could not be loaded; listeners not told`,
        );
    }
    await Promise.all(
      this.listeners.flatMap((listener) =>
        list.map((change) =>
          withTimeout(listener.onEventChange(change), LISTENER_TIMEOUT_MS, `${change.type} listener`).catch(
            (err: Error) => this.logger.warn(`${change.type} listener failed: ${err.message}`),
          ),
        ),
      ),
    );
  }
}
