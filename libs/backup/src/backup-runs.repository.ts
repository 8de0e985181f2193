import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { connectedDb } from './connections';
import type { Component } from './manifest';

/** The collection that records every backup and restore. Restores never drop it. */
export const BACKUP_RUNS_COLLECTION = 'backup_runs';

export interface BackupRun {
  /** offsite: the upload of a backup to BACKUP_S3_URL (its path is the s3:// URL). */
  kind: 'backup' | 'restore' | 'prune' | 'offsite';
  outcome: 'succeeded' | 'failed';
  components: Component[];
  /** The backup folder written or read. */
  path: string;
  startedAt: Date;
  completedAt: Date;
  durationMs: number;
  /** Bytes of backup files written (backup) or read (restore). */
  bytes: number;
  documents: number;
  keys: number;
  appVersion: string;
  host: string;
  error?: string;
  /** prune: the backups left and the ones deleted. */
  retained?: number;
  removed?: number;
}

/** Reads and writes `backup_runs`; the only code that touches it. */
@Injectable()
export class BackupRunRepository {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async record(run: BackupRun): Promise<void> {
    const runs = (await connectedDb(this.connection)).collection<BackupRun>(BACKUP_RUNS_COLLECTION);
    await runs.createIndex({ kind: 1, outcome: 1, completedAt: -1 });
    await runs.insertOne({ ...run });
  }

  /** The most recent successful backup, or null when none is recorded. */
  async lastSuccessfulBackup(): Promise<BackupRun | null> {
    const runs = (await connectedDb(this.connection)).collection<BackupRun>(BACKUP_RUNS_COLLECTION);
    return runs.findOne(
      { kind: 'backup', outcome: 'succeeded' },
      { sort: { completedAt: -1 }, projection: { _id: 0 } },
    );
  }

  /** The most recent successful off-site copy, or null when none is recorded. */
  async lastOffsiteCopy(): Promise<BackupRun | null> {
    const runs = (await connectedDb(this.connection)).collection<BackupRun>(BACKUP_RUNS_COLLECTION);
    return runs.findOne(
      { kind: 'offsite', outcome: 'succeeded' },
      { sort: { completedAt: -1 }, projection: { _id: 0 } },
    );
  }

  /** The most recent prune, or null when none is recorded. */
  async lastPrune(): Promise<BackupRun | null> {
    const runs = (await connectedDb(this.connection)).collection<BackupRun>(BACKUP_RUNS_COLLECTION);
    return runs.findOne(
      { kind: 'prune', outcome: 'succeeded' },
      { sort: { completedAt: -1 }, projection: { _id: 0 } },
    );
  }
}
