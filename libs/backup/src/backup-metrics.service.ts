import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { Gauge, InjectMetric, METRICS } from '@app/observability';
import { BackupRunRepository } from './backup-runs.repository';

/** How often the gauge follows backup_runs (backups run from CronJobs, in other processes). */
export const BACKUP_METRICS_INTERVAL_MS = 60_000;
const FIRST_READ_TIMEOUT_MS = 2000;

/**
 * Exports backup_last_success_timestamp_seconds from the newest successful backup recorded in
 * backup_runs (0 while none is), backup_retained_count from the newest prune and
 * backup_offsite_last_success_timestamp_seconds from the newest off-site copy. When the read fails the last value stays: a database blip must
 * not look like a missing backup.
 */
@Injectable()
export class BackupMetricsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BackupMetricsService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly runs: BackupRunRepository,
    @InjectMetric(METRICS.backupLastSuccess) private readonly lastSuccess: Gauge<string>,
    @InjectMetric(METRICS.backupRetained) private readonly retained: Gauge<string>,
    @InjectMetric(METRICS.backupOffsiteLastSuccess) private readonly offsite: Gauge<string>,
  ) {}

  async onModuleInit(): Promise<void> {
    this.timer = setInterval(() => void this.refresh(), BACKUP_METRICS_INTERVAL_MS).unref();
    // The first scrape should already see the value; a slow database only delays it.
    await withTimeout(this.refresh(), FIRST_READ_TIMEOUT_MS, 'reading backup_runs').catch(() => undefined);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const [last, prune, offsite] = await Promise.all([
        this.runs.lastSuccessfulBackup(),
        this.runs.lastPrune(),
        this.runs.lastOffsiteCopy(),
      ]);
      this.lastSuccess.set(last ? last.completedAt.getTime() / 1000 : 0);
      this.retained.set(prune?.retained ?? 0);
      this.offsite.set(offsite ? offsite.completedAt.getTime() / 1000 : 0);
    } catch (err) {
      this.logger.warn(
        `backup_runs could not be read for ${METRICS.backupLastSuccess}, ${METRICS.backupRetained} and ${METRICS.backupOffsiteLastSuccess}: ${(err as Error).message}`,
      );
    }
  }
}
