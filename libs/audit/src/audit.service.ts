import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { AuditEvent, AuditEventView, AuditQuery } from './audit-event.schema';
import { AuditCount, AuditRepository } from './audit.repository';

/** Events are written at most this long after they happen. */
export const AUDIT_FLUSH_INTERVAL_MS = 1000;
/** A batch this large is written at once instead of waiting for the interval. */
const MAX_BATCH = 500;
/** Events held while MongoDB is slow or down; beyond this they are dropped (and counted). */
const MAX_QUEUE = 10_000;
const WRITE_TIMEOUT_MS = 5000;

/**
 * The audit log, for every lib: identity's auth failures, the API's security hooks and audited
 * routes, the ops CLI's actions, and the reads of the admin listing, suspicious-ips and evidence.
 * Writing: `record()` is synchronous and never throws: events are queued in
 * memory and written in batches (one insertMany per second at most, or per 500 events), so a request
 * never waits for MongoDB and a MongoDB outage never fails a request. While MongoDB is down the queue
 * holds up to 10 000 events; further events are dropped and the drop is logged.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private queue: AuditEvent[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private dropped = 0;
  private failing = false;

  constructor(private readonly repository: AuditRepository) {}

  record(event: Omit<AuditEvent, 'at'> & { at?: Date }): void {
    if (this.queue.length >= MAX_QUEUE) {
      this.dropped++;
      return;
    }
    this.queue.push({ ...event, at: event.at ?? new Date() });
    if (this.queue.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), AUDIT_FLUSH_INTERVAL_MS).unref();
  }

  /**
   * Writes one event now and waits for it: for the ops CLI, which exits right after its command
   * (and opens MongoDB lazily). Never throws: resolves false, after a warning, when it could not write.
   */
  async recordNow(event: Omit<AuditEvent, 'at'> & { at?: Date }): Promise<boolean> {
    const full: AuditEvent = { ...event, at: event.at ?? new Date() };
    try {
      await withTimeout(
        this.repository.ensureConnected().then(() => this.repository.insertMany([full])),
        WRITE_TIMEOUT_MS,
        'audit insert',
      );
      return true;
    } catch (err) {
      this.logger.warn(`audit log: could not write the ${event.type} event: ${(err as Error).message}`);
      return false;
    }
  }

  /** Writes what is queued; resolves when it is written or given up on (never rejects). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeQueued());
    return this.flushing;
  }

  /**
   * The newest events first (the admin listing). What this instance still has queued is written
   * first, so an event recorded here before the call is in the answer.
   */
  async list(query: AuditQuery): Promise<AuditEventView[]> {
    await this.flush();
    return this.repository.recent(query);
  }

  /** Events per address and type since `since` (suspicious-ips). Opens a lazy connection first. */
  async countByIpAndType(since: Date, types: readonly string[]): Promise<AuditCount[]> {
    await this.repository.ensureConnected();
    return this.repository.countByIpAndType(since, types);
  }

  /** The latest event time of each address since `since`. */
  lastSeen(ips: string[], since: Date): Promise<Map<string, Date>> {
    return this.repository.lastSeen(ips, since);
  }

  /** Every event in [since, until), oldest first, streamed (evidence archives). */
  async *window(since: Date, until: Date): AsyncGenerator<AuditEvent> {
    await this.repository.ensureConnected();
    yield* this.repository.window(since, until);
  }

  /** Deletes the events older than `cutoff` (the retention); returns how many went. */
  async purgeBefore(cutoff: Date): Promise<number> {
    await this.repository.ensureConnected();
    return this.repository.purgeBefore(cutoff);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        if (!this.repository.connected) throw new Error('MongoDB is not connected');
        await withTimeout(this.repository.insertMany(batch), WRITE_TIMEOUT_MS, 'audit insert');
        if (this.failing) this.logger.log('audit log: writing again');
        this.failing = false;
      } catch (err) {
        // Keep the batch for the next flush, up to the queue bound.
        const room = Math.max(0, MAX_QUEUE - this.queue.length);
        this.queue.unshift(...batch.slice(0, room));
        this.dropped += batch.length - Math.min(room, batch.length);
        if (!this.failing) this.logger.warn(`audit log: could not write events: ${(err as Error).message}`);
        this.failing = true;
        this.timer ??= setTimeout(() => void this.flush(), AUDIT_FLUSH_INTERVAL_MS * 5).unref();
        break;
      }
    }
    if (this.dropped > 0) {
      this.logger.warn(`audit log: dropped ${this.dropped} event(s) while MongoDB was unavailable`);
      this.dropped = 0;
    }
  }
}
