import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { McpCommand } from './mcp.command';

/** The slim root module of `ops mcp`: no MongoDB, no Redis — the bridge only talks to the API. */
@Module({})
export class McpOpsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: McpOpsModule, imports: [ConfigModule.forRoot(config)], providers: [McpCommand] };
  }
}
