import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normalizeIp } from '@app/common';
import { AuditedAction, AuditService } from '@app/audit';

/** The Fastify route config key `@Audited()` sets. */
const AUDIT_CONFIG_KEY = 'auditAction';
/** Raw paths are stored up to this length. */
const MAX_ROUTE_LENGTH = 200;

/**
 * Marks a route whose every authenticated call goes to the audit log with actor, IP, time and
 * outcome (`success` for a 2xx/3xx, else `failure` with the status). Refusals before
 * authentication are not recorded here: identity audits those as auth failures.
 */
export const Audited = (action: AuditedAction): MethodDecorator =>
  RouteConfig({ [AUDIT_CONFIG_KEY]: action });

/** What an audited handler adds to its record (e.g. whose access changed): set with `auditDetail()`. */
const DETAIL = Symbol('auditDetail');
type DetailedRequest = FastifyRequest & { [DETAIL]?: string };

/** Adds a detail to this request's audit record (kept short; never a secret). */
export function auditDetail(request: FastifyRequest, detail: string): void {
  (request as DetailedRequest)[DETAIL] = detail.slice(0, MAX_ROUTE_LENGTH);
}

/**
 * The onResponse hook behind `@Audited()`: it sees the final status, whatever answered it (the
 * handler or the error filter). API only; writes are queued, never awaited.
 */
@Injectable()
export class AuditedActionsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const action = (request.routeOptions?.config as unknown as Record<string, unknown> | undefined)?.[
        AUDIT_CONFIG_KEY
      ];
      if (typeof action === 'string') this.recordAction(action, request, reply.statusCode);
      done();
    });
  }

  private recordAction(action: string, request: FastifyRequest, status: number): void {
    const user = (request as FastifyRequest & { user?: { id?: string } }).user;
    if (!user?.id) return;
    const path = request.url.split('?')[0];
    this.audit.record({
      type: action,
      ip: normalizeIp(request.ip ?? 'unknown'),
      actor: user.id,
      userId: user.id,
      route: path.length > MAX_ROUTE_LENGTH ? path.slice(0, MAX_ROUTE_LENGTH) : path,
      status,
      outcome: status < 400 ? 'success' : 'failure',
      ...((request as DetailedRequest)[DETAIL] ? { reason: (request as DetailedRequest)[DETAIL] } : {}),
    });
  }
}
