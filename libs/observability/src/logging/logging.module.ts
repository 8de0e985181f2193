import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { LoggerModule } from 'nestjs-pino';
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

/** Structured JSON logs (pino) with the request id on every line written during a request. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          genReqId: (req, res) => {
            const id = (req as IncomingMessage & { id?: string }).id ?? requestIdFor(req);
            res.setHeader('x-request-id', id);
            return id;
          },
          customAttributeKeys: { reqId: 'requestId' },
          // Bound to every line logged during the request, not only the 'request completed' one.
          customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
          serializers: {
            req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
              method: req.method,
              url: req.url?.split('?')[0].replace(/^\/feeds\/[^/]+/, '/feeds/[redacted]'),
              userAgent: req.headers?.['user-agent'],
            }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
