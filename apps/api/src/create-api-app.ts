import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { MigrationRunner } from '@app/database';
import { HealthService } from '@app/health';
import { requestIdFor } from '@app/observability';
import { assertProductionReady } from '@app/security';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { InFlightRequests } from './http/in-flight';
import { securityHeaders } from './http/security-headers';
import { setupSwagger } from './http/swagger';

/** Builds the API exactly as production runs it; main.ts and the end-to-end tests share this. */
export async function createApiApp(
  config: AppConfig,
  opts: { bufferLogs?: boolean } = {},
): Promise<NestFastifyApplication> {
  // Production refuses a weak JWT secret and plain-text datastores (a ConfigError naming the variable).
  assertProductionReady(config);
  const adapter = new FastifyAdapter({
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Keep-alive sockets are closed at shutdown once idle; in-flight requests finish first.
    forceCloseConnections: 'idle',
    // New requests during shutdown are refused by the hook below, in the API's error shape.
    return503OnClosing: false,
    // One request id for Fastify, the pino request logger and error bodies.
    genReqId: (req: IncomingMessage) => {
      const id = requestIdFor(req);
      (req as typeof req & { id?: string }).id = id;
      return id;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bufferLogs: opts.bufferLogs ?? true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // The schema migrations run before anything is served (one replica applies them, the others wait
  // for it); a failure stops the start here, and main.ts exits 1 with the message.
  try {
    await app.get(MigrationRunner).migrate({
      log: (message) => logger.log(message, 'Migrations'),
      progress: (message) => logger.debug(message, 'Migrations'),
    });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  // First of all hooks, so that every request the server takes is counted until it is answered.
  const inFlight = new InFlightRequests();
  inFlight.attach(app.getHttpAdapter().getInstance());
  IN_FLIGHT.set(app, inFlight);
  // One hook for what every answer needs before any route runs: helmet's security headers
  // (refusals included, computed once), the request id echoed so clients can quote it (it is on
  // every log line of the request too), and, while shutting down, the refusal of new requests (503,
  // Connection: close, so the client reconnects to another replica) while those in flight finish.
  // The probes keep their own answers.
  const health = app.get(HealthService);
  const headers = securityHeaders();
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      reply.headers(headers).header('x-request-id', request.id);
      if (!health.isShuttingDown || request.url.startsWith('/health')) return done();
      void reply
        .header('connection', 'close')
        .header('retry-after', '1')
        .status(503)
        .send({
          error: {
            code: 'shutting_down',
            message: 'This instance is shutting down; retry the request.',
            requestId: request.id,
          },
        });
    });
  // CORS: only the CORS_ORIGINS allow-list (exact origins) is echoed; without one, no origin is.
  app.enableCors({
    origin: config.corsOrigins.length ? config.corsOrigins : false,
    exposedHeaders: ['x-request-id', 'retry-after', 'etag'],
    maxAge: 600,
  });
  setupSwagger(app, config);
  return app;
}

/** The in-flight count of each app createApiApp built. */
const IN_FLIGHT = new WeakMap<NestFastifyApplication, InFlightRequests>();
/** Time left for closing the server and the connections after the in-flight requests drained. */
const DRAIN_MARGIN_MS = 1000;

/**
 * Graceful shutdown on SIGTERM/SIGINT: readiness turns false and new requests get 503, the
 * requests already taken finish (those whose client hung up too), the server closes, MongoDB and
 * Redis are closed, and the process exits 0 — or 1 when that takes longer than SHUTDOWN_TIMEOUT_MS.
 */
export function handleShutdownSignals(app: NestFastifyApplication, config: AppConfig): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    const logger = app.get(Logger);
    logger.log(`${signal} received: shutting down`);
    app.get(HealthService).markShuttingDown();
    const timer = setTimeout(() => {
      logger.error(`shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // Handlers still running (their clients may have hung up) finish before the databases close.
    const inFlight = IN_FLIGHT.get(app);
    if (inFlight && !(await inFlight.drained(config.shutdownTimeoutMs - DRAIN_MARGIN_MS)))
      logger.warn(`${inFlight.size} request(s) still running at shutdown; closing anyway`);
    await app.close();
    clearTimeout(timer);
    logger.log('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
