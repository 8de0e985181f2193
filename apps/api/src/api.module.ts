import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CacheModule } from '@app/cache';
import { CalendarModule } from '@app/calendar';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HealthModule } from '@app/health';
import { IdentityModule } from '@app/identity';
import { LoggingModule, ObservabilityMetricsModule } from '@app/observability';
import { ZodValidationPipe } from 'nestjs-zod';
import { EventsController } from './events/events.controller';
import { HealthController } from './health/health.controller';
import { DomainErrorFilter } from './http/domain-error.filter';

/** The HTTP application: the shared lib modules plus controllers, validation and error mapping. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        ObservabilityMetricsModule,
        DatabaseModule.forRoot(),
        CacheModule,
        HealthModule,
        IdentityModule,
        CalendarModule,
      ],
      controllers: [HealthController, EventsController],
      providers: [
        { provide: APP_PIPE, useClass: ZodValidationPipe },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
