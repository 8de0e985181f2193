import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { AuditEventDoc } from './audit-event.schema';

export interface AuthFailureEvent {
  ip: string;
  reason: string;
  at: Date;
  /** Only when the failure could be tied to an account (a wrong password, a reused token). */
  userId?: string;
}

/** The only code in identity that touches audit_events; it only appends. */
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
}
