import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '@app/audit';
import { LRUCache } from 'lru-cache';
import { normalizeIp } from '@app/common';
import { DenyListService } from '../deny-list/deny-list.service';
import { RateLimitService } from '../rate-limit/rate-limit.service';

/** The kubelet's probes: never refused, so a denied node or proxy address cannot restart or unready pods. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);
/** Not rate limited: health checks and Prometheus scrapes. */
const isRateLimitExempt = (path: string) =>
  path === '/metrics' || path === '/health' || path.startsWith('/health/');
/** Raw paths are stored as evidence of what was probed, up to this length. */
const MAX_ROUTE_LENGTH = 200;
/**
 * Refusals are audited at most once per address and type per second: a flood of refused requests
 * must not become a flood of MongoDB writes. (404s need no sampling: the rate limit bounds them.)
 */
const REFUSAL_SAMPLE_MS = 1000;
const MAX_SAMPLED_CLIENTS = 10_000;

/**
 * The API's first line, as Fastify hooks so they run before routing to Nest, body parsing, guards and
 * the auth check — and for unmatched routes too:
 *
 * onRequest: the IP deny list (403, except the probe paths), then the rate limit (429 with
 * Retry-After, except /health* and /metrics), then hostile query keys (400: no route of this API
 * takes a bracketed, `$`-prefixed or prototype key, so `?from[$gt]=` or `?__proto__[x]=` is an
 * injection attempt, refused before any parser or query sees it). onResponse: 404s are written to the audit log
 * (probing). Refusals are audited as `blocked_ip` / `rate_limited`, sampled to one per address and
 * second. Audit writes are queued, never awaited. The hooks register only in an HTTP application,
 * never in the ops CLI.
 */
@Injectable()
export class SecurityHttpHooks implements OnModuleInit {
  /** Address and type of the refusals audited in the last REFUSAL_SAMPLE_MS. */
  private readonly recentlyAudited = new LRUCache<string, true>({
    max: MAX_SAMPLED_CLIENTS,
    ttl: REFUSAL_SAMPLE_MS,
  });

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly denyList: DenyListService,
    private readonly rateLimit: RateLimitService,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    await this.denyList.startRefreshing();
    // Callback style: a request the rate limit does not concern passes without a promise.
    fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookDone) =>
      this.onRequest(request, reply, done),
    );
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (reply.statusCode === 404) this.recordNotFound(request);
      done();
    });
  }

  /** Deny list, rate limit, hostile query keys, in that order; a refusal answers and ends the request. */
  private onRequest(request: FastifyRequest, reply: FastifyReply, done: HookDone): void {
    const path = pathOf(request.url);
    const ip = normalizeIp(request.ip ?? '');
    if (!ip) return done(); // the socket is already gone
    if (this.denyList.isDenied(ip) && !PROBE_PATHS.has(path)) {
      this.auditRefusal('blocked_ip', ip, path, 403);
      refuse(request, reply, 403, 'forbidden', 'Requests from this address are blocked.');
      return;
    }
    if (!this.rateLimit.enabled || isRateLimitExempt(path)) return this.checkQuery(request, reply, done);
    this.rateLimit.check(ip).then((decision) => {
      if (decision.allowed) return this.checkQuery(request, reply, done);
      this.auditRefusal('rate_limited', ip, path, 429);
      reply.header('retry-after', String(decision.retryAfterSeconds));
      refuse(
        request,
        reply,
        429,
        'rate_limited',
        `Too many requests; retry after ${decision.retryAfterSeconds} s.`,
      );
    }, done);
  }

  private checkQuery(request: FastifyRequest, reply: FastifyReply, done: HookDone): void {
    const hostile = hostileQueryKey(request.url);
    if (hostile === undefined) return done();
    refuse(
      request,
      reply,
      400,
      'validation_failed',
      `Invalid query parameter ${JSON.stringify(clip(hostile))}: operators ($…), nested keys ([…]) and prototype keys are not accepted.`,
    );
  }

  private auditRefusal(type: 'blocked_ip' | 'rate_limited', ip: string, path: string, status: number): void {
    const key = `${type} ${ip}`;
    if (this.recentlyAudited.has(key)) return;
    this.recentlyAudited.set(key, true);
    this.audit.record({ type, ip, route: clip(path), status });
  }

  private recordNotFound(request: FastifyRequest): void {
    this.audit.record({
      type: 'not_found',
      ip: normalizeIp(request.ip ?? 'unknown'),
      route: clip(pathOf(request.url)),
      status: 404,
      reason: request.routeOptions?.url ? 'missing_resource' : 'unmatched_route',
    });
  }
}

/** Answers in the API's error shape, `{error: {code, message, requestId}}`; returned to stop the request. */
function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
): FastifyReply {
  const requestId = String(request.id ?? '');
  return reply.code(status).header('x-request-id', requestId).send({ error: { code, message, requestId } });
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** A query without any of these can hold no hostile key, even percent-decoded: no parse needed. */
const MAYBE_HOSTILE = /[$[\]%_]|constructor|prototype/;

/** The first query key that is an operator, a nested (bracketed) key or a prototype key; else undefined. */
export function hostileQueryKey(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q === -1 || !MAYBE_HOSTILE.test(url.slice(q + 1))) return undefined;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(url.slice(q + 1));
  } catch {
    return undefined;
  }
  for (const key of params.keys()) {
    if (key.startsWith('$') || key.includes('[') || key.includes(']') || PROTOTYPE_KEYS.has(key)) return key;
    if (key.split('.').some((part) => PROTOTYPE_KEYS.has(part) || part.startsWith('$'))) return key;
  }
  return undefined;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

type HookDone = (err?: Error) => void;

const clip = (path: string) => (path.length > MAX_ROUTE_LENGTH ? path.slice(0, MAX_ROUTE_LENGTH) : path);
