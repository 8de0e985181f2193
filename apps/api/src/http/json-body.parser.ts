import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** The path of the first string (key or value) holding NUL, or null. */
function nulPath(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = nulPath(child, [...path, key]);
    if (found) return found;
  }
  return null;
}

/**
 * JSON bodies as Fastify parses them by default (the same prototype-poisoning refusals), except
 * that a string holding NUL (U+0000) is refused with 400 naming its field, for every route at once:
 * no field of the API needs it, and PostgreSQL (under FerretDB) cannot store it, so it would
 * otherwise fail a write with a 500. Only a body whose text holds the escape at all is searched.
 */
export function refuseNulInJsonBodies(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  if (fastify.hasContentTypeParser('application/json')) fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8'); // parseAs: 'string' gives a string
    if (!text.includes('\\u0000')) return parse(request, text, done);
    parse(request, text, (err, parsed) => {
      const path = err ? null : nulPath(parsed);
      if (!path) return done(err, parsed);
      const error = new Error(`${path.join('.') || 'body'}: must not contain a NUL character (U+0000)`);
      done(Object.assign(error, { statusCode: 400 }), undefined);
    });
  });
}

/** Puts the parser above in place of the one Nest registers, before the server listens. */
@Injectable()
export class JsonBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) refuseNulInJsonBodies(fastify);
  }
}
