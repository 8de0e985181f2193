import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { REDACTED_PATHS, requestContext, requestFields } from './request-context';
import { RequestLogHook, ROOT_LOGGER } from './request-log.hook';

/** The root pino logger: JSON lines, secrets redacted, the running request's id and fields on each. */
@Module({
  providers: [
    {
      provide: ROOT_LOGGER,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        pino({
          level: config.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          mixin: () => {
            const request = requestContext.getStore();
            return request ? requestFields(request) : {};
          },
        }),
    },
  ],
  exports: [ROOT_LOGGER],
})
class RootLoggerModule {}

/**
 * Structured JSON logs (pino): Nest's logger (nestjs-pino) over the root logger, and one line per
 * request (RequestLogHook). nestjs-pino's pino-http middleware is not bound (`forRoutes: []`): it
 * built two child loggers per request; the request id reaches every line through the mixin instead.
 */
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({
      imports: [RootLoggerModule],
      inject: [ROOT_LOGGER],
      useFactory: (logger: pino.Logger) => ({ pinoHttp: { logger }, useExisting: true, forRoutes: [] }),
    }),
  ],
  providers: [RequestLogHook],
})
export class LoggingModule {}
