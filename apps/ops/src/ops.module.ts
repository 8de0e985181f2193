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
import {
  CheckCommand,
  CheckDependenciesCommand,
  CheckHealthCommand,
  CheckMongodbCommand,
  CheckRedisCommand,
} from './commands/check.command';
import { CheckCacheCommand } from './commands/check-cache.command';
import { CheckDbPerformanceCommand } from './commands/check-db-performance.command';
import { CheckPerformanceCommand } from './commands/check-performance.command';
import { CheckSecurityCommand } from './commands/check-security.command';
import { SECURITY_COMMANDS, SecurityCommand } from './commands/security.command';
import { ASSISTANT_COMMANDS } from './commands/assistant-ops.module';
import {
  BackupAllCommand,
  BackupCommand,
  BackupMongodbCommand,
  BackupRedisCommand,
  BackupVerifyCommand,
} from './commands/backup.command';
import { DbCheckCommand, DbCommand, DbMaintenanceCommand, DbVerifyCommand } from './commands/db.command';
import { RestoreCommand, RestoreMongodbCommand, RestoreRedisCommand } from './commands/restore.command';
import {
  SystemCheckCommand,
  SystemCommand,
  SystemRestoreCommand,
  SystemVerifyCommand,
} from './commands/system.command';
import { USERS_COMMANDS, UsersCommand } from './commands/users.command';
import { OncallCommand } from './commands/oncall.command';

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
      ],
      providers: [
        // Listed for --help; `ops assistant …` itself boots the slim AssistantOpsModule.
        ...ASSISTANT_COMMANDS,
        CheckCommand,
        CheckHealthCommand,
        CheckDependenciesCommand,
        CheckMongodbCommand,
        CheckRedisCommand,
        CheckDbPerformanceCommand,
        CheckCacheCommand,
        CheckPerformanceCommand,
        CheckSecurityCommand,
        SecurityCommand,
        ...SECURITY_COMMANDS,
        BackupCommand,
        BackupMongodbCommand,
        BackupRedisCommand,
        BackupAllCommand,
        BackupVerifyCommand,
        RestoreCommand,
        RestoreMongodbCommand,
        RestoreRedisCommand,
        DbCommand,
        DbCheckCommand,
        DbMaintenanceCommand,
        DbVerifyCommand,
        SystemCommand,
        SystemCheckCommand,
        SystemRestoreCommand,
        SystemVerifyCommand,
        UsersCommand,
        ...USERS_COMMANDS,
        OncallCommand,
      ],
    };
  }
}
