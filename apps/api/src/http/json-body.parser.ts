import type { FastifyInstance } from 'fastify';

/** `\u0000` in JSON text, unless its backslash is itself escaped (`\\u0000` is the text "\u0000"). */
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * JSON bodies as Fastify parses them by default (the same prototype-poisoning refusals), except
 * that a string holding NUL (U+0000) is refused with 400 for every route at once: no field of the
 * API needs it, and PostgreSQL (under FerretDB) cannot store it, so it would otherwise fail a write
 * with a 500. Checked on the raw text, and only when it holds the escape at all.
 */
export function refuseNulInJsonBodies(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8'); // parseAs: 'string' gives a string
    if (text.includes('\\u0000') && NUL_ESCAPE.test(text)) {
      const error = Object.assign(
        new Error('the body contains a NUL character (\\u0000), which no field accepts'),
        {
          statusCode: 400,
        },
      );
      return done(error, undefined);
    }
    parse(request, text, done);
  });
}
