import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** An iCalendar upload may be larger than the JSON body limit (1 MB). */
export const ICS_BODY_LIMIT = 2 * 1024 * 1024;

/**
 * Accepts `text/calendar` bodies as a UTF-8 string (up to 2 MB; larger ones get 413) for
 * POST /v1/events/import. Registered on the Fastify instance before the server listens.
 */
@Injectable()
export class IcsBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addContentTypeParser || fastify.hasContentTypeParser('text/calendar')) return;
    fastify.addContentTypeParser(
      'text/calendar',
      { parseAs: 'string', bodyLimit: ICS_BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
  }
}
