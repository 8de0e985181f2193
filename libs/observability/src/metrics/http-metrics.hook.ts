import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { METRICS } from './metric-names';

/** Route label for requests that matched no route: one value, so probes cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The label children of one method, route and status, bound once. */
interface Series {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

/**
 * Records http_requests_total and http_request_duration_seconds for every response from a Fastify
 * onResponse hook, labelled by the route template (`/v1/events/:id`), never the raw URL. The label
 * children are bound on a route's first answer with each status and kept (the key set is bounded:
 * route templates × methods × status codes), so a request does no label lookup or validation.
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  // Not a cache needing eviction: its keys are bounded by the route table (templates × methods × status codes).
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectMetric(METRICS.httpRequests) private readonly requests: Counter<string>,
    @InjectMetric(METRICS.httpRequestDuration) private readonly duration: Histogram<string>,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return; // not an HTTP application (the ops CLI)
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const series = this.seriesOf(
        request.method,
        request.routeOptions?.url ?? UNMATCHED_ROUTE,
        reply.statusCode,
      );
      series.requests.inc();
      series.duration.observe(reply.elapsedTime / 1000);
      done();
    });
  }

  private seriesOf(method: string, route: string, status: number): Series {
    const key = `${status} ${method} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { method, route, status_code: String(status) };
      series = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      this.series.set(key, series);
    }
    return series;
  }
}
