import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Connection, mongo } from 'mongoose';
import { connectedDb } from '../connected-db';
import type { Migration, MigrationCounts } from './migration';
import { MigrationLock, MigrationLockDoc } from './migration-lock';
import { MIGRATIONS } from './migrations';

// Why not migrate-mongo: it loads migration files from a directory named in its own
// migrate-mongo-config.js, and its optional lock is a check-then-insert that a second runner does
// not wait on (it fails "a lock is in place") and that expires through a TTL index, which FerretDB
// does not enforce; replicas starting at once need a waiting, lease-renewing lock.

export const SCHEMA_MIGRATIONS_COLLECTION = 'schema_migrations';

/** A `schema_migrations` document: one per applied version. */
export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: Date;
  durationMs: number;
  changed: number;
  counts?: MigrationCounts;
}

interface SchemaMigrationDoc extends Omit<AppliedMigration, 'version'> {
  _id: number;
}

export interface MigrationLockState {
  holder: string;
  acquiredAt: Date;
  expiresAt: Date;
}

export interface MigrationStatus {
  database: string;
  applied: AppliedMigration[];
  pending: { version: number; name: string; description: string }[];
  /** Versions recorded in the database that this code does not know (applied by a newer release). */
  unknown: number[];
  /** Who holds the migration lock now, or null. */
  lock: MigrationLockState | null;
}

export interface MigrationPlan extends MigrationStatus {
  /** What each pending migration would change now. */
  plans: { version: number; name: string; counts: MigrationCounts }[];
}

export interface MigrateReport {
  database: string;
  /** The migrations this run applied (none when another replica applied them meanwhile). */
  applied: AppliedMigration[];
  /** The highest applied version afterwards (0: none). */
  version: number;
  /** Time spent waiting for another replica's lock. */
  waitedMs: number;
}

export interface MigrationRunnerOptions {
  /** This process in the lock document (default host:pid:random). */
  holder?: string;
  /** The lock's lease, renewed every third of it while migrating. */
  leaseMs?: number;
  pollMs?: number;
  /** How long to wait for another process's lock before giving up. */
  waitTimeoutMs?: number;
  migrations?: readonly Migration[];
}

export const MIGRATION_RUNNER_OPTIONS = Symbol('MIGRATION_RUNNER_OPTIONS');

export interface MigrateCallbacks {
  /** The lines worth a log line: waiting for another holder, taking over a stale lease, each applied migration. */
  log?: (message: string) => void;
  /** Batch-by-batch progress. */
  progress?: (message: string) => void;
  /**
   * Applies this (already applied) version again: a migration touches only what is still in the
   * old shape, so this picks up what an older release wrote after it ran (a rolling upgrade).
   */
  rerun?: number;
}

export class MigrationFailedError extends Error {}

/** Under the chart's start-up budget (150 s), so a waiting pod exits with this message, not a probe kill. */
const DEFAULT_WAIT_TIMEOUT_MS = 120_000;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_POLL_MS = 500;

/**
 * Applies the versioned schema migrations (MIGRATIONS) that a database has not recorded in
 * `schema_migrations`, in order, under the MongoDB migration lock, so that of many replicas
 * starting at once one migrates and the others wait and find nothing left to do. The API runs it
 * before it serves; `ops db migrate` runs it (or, with --dry-run, only plans it).
 */
@Injectable()
export class MigrationRunner {
  private readonly holder: string;
  private readonly migrations: readonly Migration[];

  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Optional() @Inject(MIGRATION_RUNNER_OPTIONS) private readonly options: MigrationRunnerOptions = {},
  ) {
    this.holder = options.holder ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  }

  async status(): Promise<MigrationStatus> {
    const db = await this.db();
    const applied = await this.applied(db);
    const known = new Set(this.migrations.map((m) => m.version));
    const done = new Set(applied.map((a) => a.version));
    const held: MigrationLockDoc | null = await MigrationLock.heldBy(db);
    return {
      database: db.databaseName,
      applied,
      pending: this.migrations
        .filter((m) => !done.has(m.version))
        .map(({ version, name, description }) => ({ version, name, description })),
      unknown: applied.filter((a) => !known.has(a.version)).map((a) => a.version),
      lock: held && { holder: held.holder, acquiredAt: held.acquiredAt, expiresAt: held.expiresAt },
    };
  }

  /** The status, and what each pending migration would change; writes nothing. */
  async plan(): Promise<MigrationPlan> {
    const db = await this.db();
    const status = await this.status();
    const plans: MigrationPlan['plans'] = [];
    for (const p of status.pending) {
      const migration = this.migrations.find((m) => m.version === p.version)!;
      plans.push({ version: p.version, name: p.name, counts: await migration.plan(db) });
    }
    return { ...status, plans };
  }

  /** Applies the pending migrations; returns at once, without the lock, when there are none. */
  async migrate(callbacks: MigrateCallbacks = {}): Promise<MigrateReport> {
    const log = callbacks.log ?? (() => undefined);
    const progress = callbacks.progress ?? (() => undefined);
    const db = await this.db();
    const report: MigrateReport = { database: db.databaseName, applied: [], version: 0, waitedMs: 0 };
    const { rerun } = callbacks;
    if (rerun !== undefined && !this.migrations.some((m) => m.version === rerun))
      throw new MigrationFailedError(
        `there is no migration ${rerun} to run again (known: ${this.migrations.map((m) => m.version).join(', ')})`,
      );
    const todo = async () =>
      rerun === undefined ? this.pending(db) : this.migrations.filter((m) => m.version === rerun);
    if (!(await todo()).length) {
      report.version = await this.version(db);
      return report;
    }
    const lock = new MigrationLock(db, {
      holder: this.holder,
      leaseMs: this.options.leaseMs ?? DEFAULT_LEASE_MS,
      pollMs: this.options.pollMs ?? DEFAULT_POLL_MS,
      waitTimeoutMs: this.options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
      onWait: (held) =>
        log(
          `waiting for the schema-migration lock held by ${held.holder} ` +
            `(lease until ${held.expiresAt.toISOString()})`,
        ),
    });
    const taken = await lock.acquire();
    report.waitedMs = taken.waitedMs;
    if (taken.tookOverFrom)
      log(`took over the schema-migration lock from ${taken.tookOverFrom}, whose lease had run out`);
    try {
      // Re-read under the lock: another replica may have applied them while this one waited.
      for (const migration of await todo()) {
        const label = `migration ${migration.version} (${migration.name})`;
        const started = Date.now();
        let result;
        try {
          result = await migration.up(db, (message) => {
            lock.assertHeld();
            progress(`${label}: ${message}`);
          });
          lock.assertHeld();
        } catch (err) {
          const before = report.applied.length
            ? ` (applied before it in this run: ${report.applied.map((a) => a.version).join(', ')})`
            : '';
          throw new MigrationFailedError(
            `${label} failed: ${(err as Error).message}${before}. What it changed so far stays; ` +
              'the next run resumes it (migrations only touch what is still in the old shape)',
          );
        }
        const record: AppliedMigration = {
          version: migration.version,
          name: migration.name,
          appliedAt: new Date(),
          durationMs: Date.now() - started,
          changed: result.changed,
          counts: result.counts,
        };
        const { version, ...rest } = record;
        await db
          .collection<SchemaMigrationDoc>(SCHEMA_MIGRATIONS_COLLECTION)
          .replaceOne({ _id: version }, rest, { upsert: true });
        report.applied.push(record);
        log(
          `${label} applied: ${record.changed} documents changed in ${record.durationMs} ms ` +
            `(${Object.entries(record.counts ?? {})
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')})`,
        );
      }
    } finally {
      await lock.release().catch(() => undefined);
    }
    report.version = await this.version(db);
    return report;
  }

  private db(): Promise<mongo.Db> {
    return connectedDb(this.connection);
  }

  private async applied(db: mongo.Db): Promise<AppliedMigration[]> {
    const docs = await db
      .collection<SchemaMigrationDoc>(SCHEMA_MIGRATIONS_COLLECTION)
      .find({}, { sort: { _id: 1 } })
      .toArray();
    return docs.map(({ _id, ...rest }) => ({ version: _id, ...rest }));
  }

  private async pending(db: mongo.Db): Promise<Migration[]> {
    const done = new Set((await this.applied(db)).map((a) => a.version));
    return this.migrations.filter((m) => !done.has(m.version));
  }

  private async version(db: mongo.Db): Promise<number> {
    return Math.max(0, ...(await this.applied(db)).map((a) => a.version));
  }
}
