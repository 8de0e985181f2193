import { DynamicModule, Module } from '@nestjs/common';
import { BackupModule } from '@app/backup';
import { CacheModule } from '@app/cache';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HealthModule } from '@app/health';
import { AssistantInterpreterModule } from '@app/assistant';
import { ObservabilityMetricsModule } from '@app/observability';
import { SecurityModule } from '@app/security';
import { IdentityAdminModule } from '@app/identity';
import { MailTransportModule } from '@app/mail';
import { AssistantCommand } from './commands/assistant.command';
import { BackupCommand } from './commands/backup.command';
import { CheckCommand } from './commands/check.command';
import { DbCommand } from './commands/db.command';
import { RestoreCommand } from './commands/restore.command';
import { SecurityCommand } from './commands/security.command';
import { SystemCommand } from './commands/system.command';
import { UsersCommand } from './commands/users.command';
import { OncallCommand } from './commands/oncall.command';
import { McpCommand } from './commands/mcp.command';
import { SecurityNotifier } from './notify/security-notifier.service';

/** The top-level commands; `ops assistant …` and `ops mcp` boot slim modules of their own; this lists them for --help. */
const COMMAND_GROUPS = [
  AssistantCommand,
  CheckCommand,
  SecurityCommand,
  BackupCommand,
  RestoreCommand,
  DbCommand,
  SystemCommand,
  UsersCommand,
  OncallCommand,
  McpCommand,
];

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
        // Long operations: backups, restores and index builds may hold one round trip for long.
        DatabaseModule.forRoot({ lazy: true, longOperations: true }),
        CacheModule,
        HealthModule,
        AssistantInterpreterModule,
        BackupModule,
        SecurityModule,
        IdentityAdminModule,
        // The SMTP check of `check dependencies` (no mail queue or worker in the CLI).
        MailTransportModule,
      ],
      providers: [
        SecurityNotifier,
        // Each group with the subcommands its @Command lists: the tree is written down once.
        ...COMMAND_GROUPS.flatMap((group) => group.registerWithSubCommands()),
      ],
    };
  }
}
