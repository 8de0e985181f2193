import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types, trusted } from 'mongoose';
import {
  AuditEvent,
  AuditEventDoc,
  auditEventsBefore,
  AuditEventView,
  AuditQuery,
} from './audit-event.schema';

export interface AuditCount {
  ip: string;
  type: string;
  count: number;
}

type LeanAuditEvent = Omit<AuditEventDoc, 'userId'> & { userId?: Types.ObjectId };

/** The only code that touches `audit_events`. */
@Injectable()
export class AuditRepository {
  constructor(@InjectModel(AuditEventDoc.name) private readonly model: Model<AuditEventDoc>) {}

  /** Whether MongoDB is connected now (writes are skipped, not queued on the driver, when it is not). */
  get connected(): boolean {
    return this.model.db.readyState === 1;
  }

  /** Waits for a lazily opened connection (the ops CLI); throws when MongoDB cannot be reached. */
  async ensureConnected(): Promise<void> {
    if (this.model.db.readyState === 2) await this.model.db.asPromise();
    if (this.model.db.readyState !== 1) throw new Error('MongoDB is not connected');
  }

  /** Appends the events in one unordered insert (no validation round: the shapes are built here). */
  async insertMany(events: AuditEvent[]): Promise<void> {
    await this.model.collection.insertMany(events.map(toDoc), { ordered: false });
  }

  /** The newest events first, on the `at` (or `ip, at`) index. */
  async recent(query: AuditQuery): Promise<AuditEventView[]> {
    const filter: Record<string, unknown> = {};
    if (query.type) filter.type = query.type;
    if (query.ip) filter.ip = query.ip;
    if (query.before) filter.at = trusted({ $lt: query.before });
    const docs = await this.model
      .find(filter)
      .sort({ at: -1 })
      .limit(query.limit)
      .lean<LeanAuditEvent[]>()
      .exec();
    return docs.map((d) => ({ id: d._id.toHexString(), ...fromDoc(d) }));
  }

  /** Events per address and type since `since` (one $match + $group, which FerretDB supports). */
  async countByIpAndType(since: Date, types: readonly string[]): Promise<AuditCount[]> {
    const rows = await this.model
      .aggregate<{ _id: { ip: string; type: string }; n: number }>([
        { $match: { at: { $gte: since }, type: { $in: [...types] } } },
        { $group: { _id: { ip: '$ip', type: '$type' }, n: { $sum: 1 } } },
      ])
      .exec();
    return rows.map((r) => ({ ip: r._id.ip, type: r._id.type, count: r.n }));
  }

  /** The latest event time of each address since `since` (a sorted, limited read per address). */
  async lastSeen(ips: string[], since: Date): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for (const ip of ips) {
      const doc = await this.model
        .findOne({ ip, at: trusted({ $gte: since }) }, { at: 1 })
        .sort({ at: -1 })
        .lean<{ at: Date }>()
        .exec();
      if (doc) out.set(ip, doc.at);
    }
    return out;
  }

  /** Every event in [since, until), oldest first, streamed. */
  async *window(since: Date, until: Date): AsyncGenerator<AuditEvent> {
    const cursor = this.model
      .find({ at: trusted({ $gte: since, $lt: until }) })
      .sort({ at: 1 })
      .lean<LeanAuditEvent[]>()
      .cursor({ batchSize: 1000 });
    for await (const doc of cursor as AsyncIterable<LeanAuditEvent>) yield fromDoc(doc);
  }

  /** Deletes the events older than `cutoff` (the retention); returns how many went. */
  async purgeBefore(cutoff: Date): Promise<number> {
    const { deletedCount } = await this.model.collection.deleteMany(auditEventsBefore(cutoff));
    return deletedCount;
  }
}

function toDoc(e: AuditEvent): Record<string, unknown> {
  return {
    type: e.type,
    ip: e.ip,
    at: e.at,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.userId && Types.ObjectId.isValid(e.userId) ? { userId: new Types.ObjectId(e.userId) } : {}),
    ...(e.route !== undefined ? { route: e.route } : {}),
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.actor !== undefined ? { actor: e.actor } : {}),
    ...(e.outcome !== undefined ? { outcome: e.outcome } : {}),
  };
}

function fromDoc(d: LeanAuditEvent): AuditEvent {
  return {
    type: d.type,
    ip: d.ip,
    at: d.at,
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.userId ? { userId: String(d.userId) } : {}),
    ...(d.route !== undefined ? { route: d.route } : {}),
    ...(d.status !== undefined ? { status: d.status } : {}),
    ...(d.actor !== undefined ? { actor: d.actor } : {}),
    ...(d.outcome !== undefined ? { outcome: d.outcome as AuditEvent['outcome'] } : {}),
  };
}
