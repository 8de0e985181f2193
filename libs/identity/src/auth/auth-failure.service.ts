import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AuditService } from '@app/audit';
import { UnauthorizedError } from '@app/common';
import { Counter, InjectMetric, METRICS } from '@app/observability';

export const AUTH_FAILURE_REASONS = [
  'missing_token',
  'invalid_token',
  'expired_token',
  'unknown_user',
  'bad_password',
  'refresh_reused',
  'refresh_invalid',
  'refresh_expired',
  'revoked_token',
  'login_throttled',
  'account_locked',
  'ip_locked',
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/** The one message every authentication failure answers with, whatever the cause. */
export const AUTH_FAILED_MESSAGE = 'Authentication failed';

/** Who is calling, as far as authentication needs to know. */
export interface ClientContext {
  ip: string;
}

/**
 * Records an authentication failure — a log line (`unauthorized ip=… reason=…`), the
 * auth_failures_total{reason} counter and an audit event — and returns the error to throw, which
 * says only "Authentication failed": the client never learns which check failed.
 */
@Injectable()
export class AuthFailureService implements OnModuleInit {
  private readonly logger = new Logger(AuthFailureService.name);

  constructor(
    private readonly audit: AuditService,
    @InjectMetric(METRICS.authFailures) private readonly failures: Counter<string>,
  ) {}

  /** Every reason is exported from the start (at 0), so rate() alerts see the first failure. */
  onModuleInit(): void {
    for (const reason of AUTH_FAILURE_REASONS) this.failures.inc({ reason }, 0);
  }

  async reject(
    reason: AuthFailureReason,
    client: ClientContext,
    userId?: string,
  ): Promise<UnauthorizedError> {
    this.record(reason, client, userId);
    return new UnauthorizedError(AUTH_FAILED_MESSAGE);
  }

  /** The log line, counter and audit event of a failure, for callers that answer otherwise (429). */
  record(reason: AuthFailureReason, client: ClientContext, userId?: string): void {
    const ip = client.ip || 'unknown';
    this.failures.inc({ reason });
    this.logger.warn(`unauthorized ip=${ip} reason=${reason}${userId ? ` user=${userId}` : ''}`);
    // Queued, written in the next batch: the request an attacker hammers never waits for MongoDB.
    this.audit.record({ type: 'auth_failure', ip, reason, ...(userId ? { userId } : {}) });
  }
}
