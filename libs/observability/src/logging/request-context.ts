import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Paths pino removes from every line: credentials never reach the logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.secret',
];

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A client-supplied X-Request-Id when it is sane, else a fresh UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** What a log line needs of the request it belongs to (a Fastify request has all of it). */
export interface LoggedRequest {
  id: string;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** The request each log line written while it runs belongs to; the logger's mixin reads it. */
export const requestContext = new AsyncLocalStorage<LoggedRequest>();

/**
 * The request as a log line shows it: method, path (never the query, never a feed's secret token)
 * and user agent — no headers, so no credential. Worked out only when a line is written.
 */
export function requestFields(request: LoggedRequest): {
  requestId: string;
  req: { method: string; url: string; userAgent: string | undefined };
} {
  const q = request.url.indexOf('?');
  const path = q === -1 ? request.url : request.url.slice(0, q);
  return {
    requestId: request.id,
    req: {
      method: request.method,
      url: path.startsWith('/feeds/') ? path.replace(/^\/feeds\/[^/]+/, '/feeds/[redacted]') : path,
      userAgent: request.headers['user-agent'],
    },
  };
}
