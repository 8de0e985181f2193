import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/** The audit trail: security events, audited API actions and every state-changing ops command. */
export const AUDIT_EVENTS_COLLECTION = 'audit_events';

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
  'calendar_delete',
  'acl_grant',
  'acl_update',
  'acl_revoke',
  'app_password_create',
  'app_password_revoke',
  'caldav_put',
  'caldav_delete',
  // A writing MCP tool call (route `/mcp tools/call <tool>`, the ids it touched in reason).
  'mcp_write',
] as const;
export type AuditedAction = (typeof AUDITED_ACTIONS)[number];
export const OPS_ACTION = 'ops_action';
export type AuditOutcome = 'success' | 'failure';

/**
 * One event in `audit_events`, whoever wrote it. `route` is the raw request path (truncated) or
 * the ops command line — evidence of what was probed or run, never a metric label.
 */
@Schema({ collection: AUDIT_EVENTS_COLLECTION, versionKey: false })
export class AuditEventDoc {
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

export const AuditEventSchema = SchemaFactory.createForClass(AuditEventDoc);
// The time-window scans (suspicious-ips, evidence, retention, the admin listing) and per-address history.
AuditEventSchema.index({ at: 1 });
AuditEventSchema.index({ ip: 1, at: 1 });

/** An audit event as it is written and read. */
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

/** An audit event as the admin listing shows it. */
export type AuditEventView = AuditEvent & { id: string };

export interface AuditQuery {
  limit: number;
  type?: string;
  ip?: string;
  /** Only events strictly before this instant (the next page of a newest-first listing). */
  before?: Date;
}

/** The events a retention of `cutoff` removes (`db maintenance` and AuditRepository.purgeBefore). */
export const auditEventsBefore = (cutoff: Date) => ({ at: { $lt: cutoff } });
