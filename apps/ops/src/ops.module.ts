import { DynamicModule, Module } from '@nestjs/common';
import { CacheModule } from '@app/cache';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HealthModule } from '@app/health';
import { ObservabilityMetricsModule } from '@app/observability';
import {
  CheckCommand,
  CheckDependenciesCommand,
  CheckHealthCommand,
  CheckMongodbCommand,
  CheckRedisCommand,
} from './commands/check.command';

/** The ops CLI: the same lib modules as the API, plus commands, and no HTTP stack. */
@Module({})
export class OpsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: OpsModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityMetricsModule,
        // Lazy: a dead database is something to report, not a reason to fail to start.
        DatabaseModule.forRoot({ lazy: true }),
        CacheModule,
        HealthModule,
      ],
      providers: [
        CheckCommand,
        CheckHealthCommand,
        CheckDependenciesCommand,
        CheckMongodbCommand,
        CheckRedisCommand,
      ],
    };
  }
}
