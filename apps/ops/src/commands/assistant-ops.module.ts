import { DynamicModule, Module } from '@nestjs/common';
import { AssistantInterpreterModule } from '@app/assistant';
import { AppConfig, ConfigModule } from '@app/config';
import { ObservabilityMetricsModule } from '@app/observability';
import { AssistantCommand } from './assistant.command';

/**
 * The slim root module of `ops assistant interpret|eval`: configuration, metrics and the
 * interpreters — no MongoDB, no Redis, so it starts in well under a second and needs neither.
 */
@Module({})
export class AssistantOpsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AssistantOpsModule,
      imports: [ConfigModule.forRoot(config), ObservabilityMetricsModule, AssistantInterpreterModule],
      providers: AssistantCommand.registerWithSubCommands(),
    };
  }
}
