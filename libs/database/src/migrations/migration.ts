import type { mongo } from 'mongoose';

/**
 * Reports what a migration is doing, between batches. It throws when this process no longer holds
 * the migration lock (its lease ran out or was taken over), so a migration that reports after each
 * batch stops there instead of running alongside another replica.
 */
export type MigrationProgress = (message: string) => void;

/** What a migration changed (or, from `plan`, would change), by what it touches. */
export type MigrationCounts = Record<string, number>;

export interface MigrationResult {
  /** Documents written: 0 when run again over migrated data. */
  changed: number;
  counts: MigrationCounts;
}

/**
 * One versioned change of the stored data. Versions are applied in ascending order, each once per
 * database (recorded in `schema_migrations`). Every migration must be idempotent and resumable: it
 * touches only documents still in the old shape, so a run that stopped half-way (a crash, a lost
 * lock) is finished by the next one, and a restore that brings old documents back is migrated again.
 * Raw collections only (never the models of the code that expects the new shape), and nothing
 * FerretDB 1.24 lacks: no transactions, no $lookup, no aggregation-pipeline updates.
 */
export interface Migration {
  version: number;
  name: string;
  description: string;
  /** Counts of what `up` would change now; reads only. */
  plan(db: mongo.Db): Promise<MigrationCounts>;
  up(db: mongo.Db, progress: MigrationProgress): Promise<MigrationResult>;
}
