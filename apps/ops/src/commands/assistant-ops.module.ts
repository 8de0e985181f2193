import { DynamicModule, Module } from '@nestjs/common';
import { AssistantInterpreterModule } from '@app/assistant';
import { AppConfig, ConfigModule } from '@app/config';
import { ObservabilityMetricsModule } from '@app/observability';
import { AssistantCommand, AssistantEvalCommand, AssistantInterpretCommand } from './assistant.command';

/** The assistant's commands and what they use: no database, no cache (`ops assistant …` boots only this). */
export const ASSISTANT_COMMANDS = [AssistantCommand, AssistantInterpretCommand, AssistantEvalCommand];

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
      providers: [...ASSISTANT_COMMANDS],
    };
  }
}
