import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const AUDIT_EVENT_EXAMPLE = {
  id: '6660a1f0c2b8f1e4a0012345',
  type: 'auth_failure',
  ip: '203.0.113.9',
  at: '2026-01-15T09:30:00.000Z',
  reason: 'account_locked',
  userId: '665f1c2b8f1e4a0012345678',
};

export const AuditEventListQuerySchema = z
  .strictObject({
    limit: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(200, 'must be at most 200')
      .default(50),
    type: z
      .string()
      .regex(/^[a-z_]{1,40}$/, 'must be an event type such as auth_failure')
      .optional()
      .describe('auth_failure, not_found, rate_limited, blocked_ip, ops_action, event_delete, …'),
    ip: z.string().min(1).max(64, 'must be at most 64 characters').optional(),
    before: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 instant' })
      .optional()
      .describe('only events before this instant: the `at` of the last event of the previous page'),
  })
  .meta({ example: { limit: 50, type: 'auth_failure' } });
export class AuditEventListQueryDto extends createZodDto(AuditEventListQuerySchema) {}

export const AuditEventResponseSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    ip: z.string(),
    at: z.string().describe('ISO 8601 instant'),
    reason: z.string().optional(),
    userId: z.string().optional(),
    route: z
      .string()
      .optional()
      .describe('the probed path (404s), the audited route or the ops command line'),
    status: z.int().optional(),
    actor: z.string().optional().describe('who acted: a user id, or ops:<OS user>@<host> for ops commands'),
    outcome: z.string().optional().describe('how an audited action ended: success or failure'),
  })
  .meta({ example: AUDIT_EVENT_EXAMPLE });

export const AuditEventListResponseSchema = z
  .object({ items: z.array(AuditEventResponseSchema).describe('newest first') })
  .meta({ example: { items: [AUDIT_EVENT_EXAMPLE] } });
export class AuditEventListResponseDto extends createZodDto(AuditEventListResponseSchema) {}

export type AuditEventListQuery = z.input<typeof AuditEventListQuerySchema>;
export type AuditEventListResponse = z.output<typeof AuditEventListResponseSchema>;
