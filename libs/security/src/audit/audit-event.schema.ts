import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/** What the audit log records. Identity writes `auth_failure`; the API's security hooks the rest. */
export const AUDIT_EVENT_TYPES = ['auth_failure', 'not_found', 'rate_limited', 'blocked_ip'] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * Actions recorded with who did them and how they ended: the API's audited routes (`@Audited()`)
 * and every state-changing ops command (`ops_action`, actor `ops:<OS user>@<host>`).
 */
export const AUDITED_ACTIONS = [
  'event_delete',
  'feed_delete',
  'webhook_delete',
  'changeset_confirm',
  'changeset_undo',
] as const;
export type AuditedAction = (typeof AUDITED_ACTIONS)[number];
export const OPS_ACTION = 'ops_action';
export type AuditOutcome = 'success' | 'failure';

/**
 * One security event in `audit_events`, the collection identity's AuditRepository also appends
 * auth failures to (same shape, same indexes; a separate model name so the two libs do not clash).
 * `route` is the raw request path (truncated) — it is evidence of what was probed, never a metric label.
 */
@Schema({ collection: 'audit_events', versionKey: false })
export class SecurityAuditEventDoc {
  _id!: Types.ObjectId;
  @Prop({ required: true }) type!: string;
  @Prop({ required: true }) ip!: string;
  @Prop({ type: Date, required: true }) at!: Date;
  @Prop() reason?: string;
  @Prop({ type: Types.ObjectId }) userId?: Types.ObjectId;
  @Prop() route?: string;
  @Prop() status?: number;
  @Prop() actor?: string;
  @Prop() outcome?: string;
}

export const SecurityAuditEventSchema = SchemaFactory.createForClass(SecurityAuditEventDoc);
// The time-window scans (suspicious-ips, evidence) and per-address history.
SecurityAuditEventSchema.index({ at: 1 });
SecurityAuditEventSchema.index({ ip: 1, at: 1 });

/** An audit event as the security lib writes and reads it. */
export interface AuditEvent {
  type: AuditEventType | string;
  ip: string;
  at: Date;
  reason?: string;
  userId?: string;
  route?: string;
  status?: number;
  /** Who acted: a user id (API) or `ops:<user>@<host>` (ops CLI). */
  actor?: string;
  outcome?: AuditOutcome;
}
