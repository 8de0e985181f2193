import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { requestContext, requestFields } from './request-context';

/** The pino logger every line of the API goes through (nestjs-pino's Logger writes to it too). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Not logged on success: the kubelet's liveness probe and Prometheus scrapes, every few seconds. */
const QUIET_PATHS: ReadonlySet<string> = new Set(['/health/live', '/metrics']);

/**
 * One line per request, written when the answer has gone out (Fastify's onResponse hook) by the
 * root logger with the request id — no per-request child logger (pino-http built two, with their
 * bindings serialized, for every request, logged or not). Lines written while the request runs get
 * the same request id and request fields from the logger's mixin, through `requestContext`.
 * Hand-written because pino-http (nestjs-pino's middleware) has no mode without the child loggers.
 */
@Injectable()
export class RequestLogHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return; // not an HTTP application (the ops CLI)
    fastify.addHook('onRequest', (request, _reply, done) => requestContext.run(request, done));
    fastify.addHook('onResponse', (request, reply, done) => {
      this.log(request, reply);
      done();
    });
  }

  private log(request: FastifyRequest, reply: FastifyReply): void {
    if (!this.logger.isLevelEnabled('info')) return;
    const status = reply.statusCode;
    if (status < 500 && QUIET_PATHS.has(request.url)) return;
    const line = {
      ...requestFields(request),
      res: { statusCode: status },
      responseTime: Math.round(reply.elapsedTime),
    };
    if (status >= 500)
      this.logger.info({ ...line, err: { message: `failed with status code ${status}` } }, 'request errored');
    else this.logger.info(line, 'request completed');
  }
}
