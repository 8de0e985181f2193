import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types, trusted } from 'mongoose';
import { AuditEventDoc } from './audit-event.schema';

export interface AuthFailureEvent {
  ip: string;
  reason: string;
  at: Date;
  /** Only when the failure could be tied to an account (a wrong password, a reused token). */
  userId?: string;
}

/** An audit event as the admin route lists it (any type: identity's and the security lib's). */
export interface AuditEventView {
  id: string;
  type: string;
  ip: string;
  at: Date;
  reason?: string;
  userId?: string;
  route?: string;
  status?: number;
  actor?: string;
  outcome?: string;
}

export interface AuditQuery {
  limit: number;
  type?: string;
  ip?: string;
  /** Only events strictly before this instant (the next page of a newest-first listing). */
  before?: Date;
}

type LeanAuditEvent = {
  _id: Types.ObjectId;
  type: string;
  ip: string;
  at: Date;
  reason?: string;
  userId?: Types.ObjectId;
  route?: string;
  status?: number;
  actor?: string;
  outcome?: string;
};

/** The only code in identity that touches audit_events: it appends auth failures and lists events. */
@Injectable()
export class AuditRepository {
  constructor(@InjectModel(AuditEventDoc.name) private readonly model: Model<AuditEventDoc>) {}

  async recordAuthFailure(event: AuthFailureEvent): Promise<void> {
    await this.model.create({
      type: 'auth_failure',
      ip: event.ip,
      reason: event.reason,
      at: event.at,
      ...(event.userId && Types.ObjectId.isValid(event.userId)
        ? { userId: new Types.ObjectId(event.userId) }
        : {}),
    });
  }

  /** The newest events first, on the `at` (or `ip, at`) index. */
  async recent(query: AuditQuery): Promise<AuditEventView[]> {
    const filter: Record<string, unknown> = {};
    if (query.type) filter.type = query.type;
    if (query.ip) filter.ip = query.ip;
    if (query.before) filter.at = trusted({ $lt: query.before });
    const docs = await this.model
      .find(filter, {
        type: 1,
        ip: 1,
        at: 1,
        reason: 1,
        userId: 1,
        route: 1,
        status: 1,
        actor: 1,
        outcome: 1,
      })
      .sort({ at: -1 })
      .limit(query.limit)
      .lean<LeanAuditEvent[]>()
      .exec();
    return docs.map((d) => ({
      id: d._id.toHexString(),
      type: d.type,
      ip: d.ip,
      at: d.at,
      ...(d.reason !== undefined ? { reason: d.reason } : {}),
      ...(d.userId ? { userId: String(d.userId) } : {}),
      ...(d.route !== undefined ? { route: d.route } : {}),
      ...(d.status !== undefined ? { status: d.status } : {}),
      ...(d.actor !== undefined ? { actor: d.actor } : {}),
      ...(d.outcome !== undefined ? { outcome: d.outcome } : {}),
    }));
  }
}
