import { Module } from '@nestjs/common';
import { HealthModule } from '@app/health';
import { ApiConnectionsProbe } from './api-connections';
import { BackupMetricsService } from './backup-metrics.service';
import { BackupRunRepository } from './backup-runs.repository';
import { BackupVerifier } from './backup-verifier';
import { BackupService } from './backup.service';
import { DbMaintenanceService } from './db-maintenance.service';
import { MongoBackupService } from './mongo-backup.service';
import { OffsiteStore } from './offsite-store';
import { OffsiteService } from './offsite.service';
import { PruneService } from './prune.service';
import { RedisBackupService } from './redis-backup.service';
import { RestoreService } from './restore.service';
import { SystemService } from './system.service';

/**
 * Backup, restore, verify and database upkeep, for the ops CLI. Uses the global database and cache
 * connections (DatabaseModule, CacheModule) and the health checks.
 */
@Module({
  imports: [HealthModule],
  providers: [
    ApiConnectionsProbe,
    BackupRunRepository,
    MongoBackupService,
    RedisBackupService,
    BackupVerifier,
    BackupService,
    PruneService,
    RestoreService,
    DbMaintenanceService,
    SystemService,
    OffsiteStore,
    OffsiteService,
  ],
  exports: [
    BackupService,
    BackupVerifier,
    PruneService,
    RestoreService,
    DbMaintenanceService,
    SystemService,
    OffsiteService,
  ],
})
export class BackupModule {}

/** Only the backup_last_success_timestamp_seconds gauge, kept current from backup_runs: for the API. */
@Module({
  providers: [BackupRunRepository, BackupMetricsService],
  exports: [BackupMetricsService],
})
export class BackupMetricsModule {}
