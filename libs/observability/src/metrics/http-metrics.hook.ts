import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { METRICS } from './metric-names';

/** Route label for requests that matched no route: one value, so probes cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Records http_requests_total and http_request_duration_seconds for every response from a Fastify
 * onResponse hook, labelled by the route template (`/v1/events/:id`), never the raw URL.
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectMetric(METRICS.httpRequests) private readonly requests: Counter<string>,
    @InjectMetric(METRICS.httpRequestDuration) private readonly duration: Histogram<string>,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return; // not an HTTP application (the ops CLI)
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const labels = {
        method: request.method,
        route: request.routeOptions?.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      };
      this.requests.inc(labels);
      this.duration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }
}
