import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { AUDIT_EVENTS_COLLECTION, auditEventsBefore } from '@app/audit';
import { AppConfig } from '@app/config';
import type { Connection, mongo } from 'mongoose';
import { connectedDb, mongoServer } from './connections';
import { isUnsupported } from './mongo-backup.service';
import { noProgress, ProgressFn } from './progress';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** How long a changeset is kept past its expiry (so an undo can still explain itself). */
export const CHANGESET_GRACE_MS = 24 * HOUR_MS;
/** How long a deleted event's tombstone is kept (sync clients catch up on deletions within it). */
export const TOMBSTONE_RETENTION_MS = 30 * DAY_MS;

export interface Purge {
  collection: string;
  what: string;
  filter: mongo.Filter<mongo.Document>;
}

/**
 * What `db maintenance` deletes. FerretDB has no TTL expiry, and a TTL index cannot express "24 h
 * past expiry", so these run here (Atlas TTL indexes, where the schemas declare them, only help).
 * A revoked refresh token is kept as long as a live one would be, for reuse detection.
 */
export function purgeRules(now: Date, refreshTtlDays: number, auditRetentionDays: number): Purge[] {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  return [
    {
      collection: 'refresh_tokens',
      what: `refresh tokens expired, or revoked more than ${refreshTtlDays} days ago`,
      filter: { $or: [{ expiresAt: { $lt: now } }, { revokedAt: { $lt: ago(refreshTtlDays * DAY_MS) } }] },
    },
    {
      collection: 'changesets',
      what: 'assistant changesets more than 24 h past their expiry',
      filter: { expiresAt: { $lt: ago(CHANGESET_GRACE_MS) } },
    },
    {
      collection: 'events',
      what: 'event tombstones deleted more than 30 days ago',
      filter: { deletedAt: { $lt: ago(TOMBSTONE_RETENTION_MS) } },
    },
    {
      collection: AUDIT_EVENTS_COLLECTION,
      what: `audit events older than ${auditRetentionDays} days (AUDIT_RETENTION_DAYS)`,
      filter: auditEventsBefore(ago(auditRetentionDays * DAY_MS)),
    },
  ];
}

export const IDEMPOTENCY_NOTE =
  'idempotency records: nothing to purge — they live in Redis with a TTL and expire on their own';

export interface CollectionCount {
  name: string;
  documents: number;
}

export interface ModelIndexDrift {
  model: string;
  collection: string;
  missing: string[];
  extra: string[];
  error?: string;
}

export interface DbCheckReport {
  ok: boolean;
  database: string;
  server: string;
  latencyMs: number;
  collections: CollectionCount[];
  /** From dbStats, where the server supports it. */
  stats?: { dataBytes: number; storageBytes: number; indexBytes: number };
  models: ModelIndexDrift[];
  warnings: string[];
}

export interface CollectionValidation {
  name: string;
  status: 'valid' | 'invalid' | 'unsupported' | 'error';
  records?: number;
  errors: string[];
}

export interface IndexSync {
  model: string;
  collection: string;
  created: string[];
  dropped: string[];
  status: 'ok' | 'unsupported' | 'error';
  error?: string;
}

export interface PurgeResult {
  collection: string;
  what: string;
  deleted: number;
}

export interface MaintenanceReport {
  ok: boolean;
  indexes: IndexSync[];
  validation: CollectionValidation[];
  purged: PurgeResult[];
  notes: string[];
  problems: string[];
}

export interface DbVerifyReport {
  ok: boolean;
  database: string;
  collections: CollectionValidation[];
  problems: string[];
}

/** An index spec from mongoose's diff, named the way MongoDB names it (`a_1_b_-1`). */
function indexName(spec: unknown): string {
  const [keys, options] = Array.isArray(spec) ? spec : [spec, undefined];
  if (options && typeof options === 'object' && 'name' in options) return String(options.name);
  return Object.entries(keys as Record<string, unknown>)
    .map(([k, v]) => `${k}_${String(v)}`)
    .join('_');
}

/**
 * `db check`, `db maintenance` and `db verify`: the application database's state, the upkeep that
 * FerretDB's missing TTL expiry makes necessary, and structural validation where the server has it.
 */
@Injectable()
export class DbMaintenanceService {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  async check(): Promise<DbCheckReport> {
    const db = await connectedDb(this.connection);
    const started = performance.now();
    await db.command({ ping: 1 });
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const warnings: string[] = [];
    const server = (await mongoServer(db)).description;
    const collections: CollectionCount[] = [];
    for (const name of await this.collectionNames(db))
      collections.push({ name, documents: await db.collection(name).estimatedDocumentCount() });
    let stats: DbCheckReport['stats'];
    try {
      const s = await db.command({ dbStats: 1 });
      stats = { dataBytes: s.dataSize, storageBytes: s.storageSize, indexBytes: s.indexSize };
    } catch (err) {
      warnings.push(`dbStats is not available here: ${(err as Error).message}`);
    }
    const models: ModelIndexDrift[] = [];
    for (const model of Object.values(this.connection.models)) {
      const drift: ModelIndexDrift = {
        model: model.modelName,
        collection: model.collection.collectionName,
        missing: [],
        extra: [],
      };
      try {
        const diff = await model.diffIndexes();
        drift.missing = diff.toCreate.map(indexName);
        drift.extra = diff.toDrop.map(String);
      } catch (err) {
        drift.error = (err as Error).message;
      }
      models.push(drift);
      if (drift.missing.length || drift.extra.length)
        warnings.push(
          `indexes of ${drift.collection} differ from the ${drift.model} schema (missing: ${drift.missing.join(', ') || 'none'}; ` +
            `not in the schema: ${drift.extra.join(', ') || 'none'}): run \`ops db maintenance\``,
        );
      if (drift.error) warnings.push(`indexes of ${drift.collection} could not be compared: ${drift.error}`);
    }
    return { ok: true, database: db.databaseName, server, latencyMs, collections, stats, models, warnings };
  }

  /**
   * Syncs the indexes of every registered model, validates each collection where the server can,
   * and purges what has outlived its use. Each step runs even when an earlier one had a problem.
   */
  async maintenance(progress: ProgressFn = noProgress, now = new Date()): Promise<MaintenanceReport> {
    const db = await connectedDb(this.connection);
    const problems: string[] = [];

    progress('syncing indexes…');
    const indexes: IndexSync[] = [];
    for (const model of Object.values(this.connection.models)) {
      const sync: IndexSync = {
        model: model.modelName,
        collection: model.collection.collectionName,
        created: [],
        dropped: [],
        status: 'ok',
      };
      try {
        const diff = await model.diffIndexes();
        sync.dropped = await model.syncIndexes();
        sync.created = diff.toCreate.map(indexName);
      } catch (err) {
        sync.status = isUnsupported(err) ? 'unsupported' : 'error';
        sync.error = (err as Error).message;
        if (sync.status === 'error') problems.push(`index sync of ${sync.collection} failed: ${sync.error}`);
      }
      indexes.push(sync);
    }

    progress('purging expired records…');
    const purged: PurgeResult[] = [];
    for (const rule of purgeRules(now, this.config.jwt.refreshTtlDays, this.config.auditRetentionDays)) {
      try {
        const { deletedCount } = await db.collection(rule.collection).deleteMany(rule.filter);
        purged.push({ collection: rule.collection, what: rule.what, deleted: deletedCount });
      } catch (err) {
        problems.push(`purging ${rule.what} failed: ${(err as Error).message}`);
      }
    }

    progress('purging deleted calendars past their retention…');
    try {
      purged.push(...(await this.purgeDeletedCalendars(db, now)));
    } catch (err) {
      problems.push(`purging deleted calendars failed: ${(err as Error).message}`);
    }

    progress('validating collections…');
    const validation = await this.validateAll(db, progress);
    problems.push(...validationProblems(validation));

    return { ok: problems.length === 0, indexes, validation, purged, notes: [IDEMPOTENCY_NOTE], problems };
  }

  /**
   * A deleted calendar leaves every listing at once (soft delete); its data goes here, after
   * CALENDAR_RETENTION_DAYS: its events, sharing rules, feeds and plain WebDAV collections and files
   * (CalDAV), then the calendar itself (children first, so an interrupted purge is finished by the
   * next run). Webhook subscriptions stop watching it.
   */
  private async purgeDeletedCalendars(db: mongo.Db, now: Date): Promise<PurgeResult[]> {
    const days = this.config.calendarRetentionDays;
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const ids = (
      await db
        .collection('calendars')
        .find({ deletedAt: { $ne: null, $lt: cutoff } }, { projection: { _id: 1 } })
        .toArray()
    ).map((c) => c._id);
    const what = (x: string) =>
      `${x} of calendars deleted more than ${days} days ago (CALENDAR_RETENTION_DAYS)`;
    const results: PurgeResult[] = [];
    for (const collection of ['events', 'calendar_acl', 'feeds', 'dav_files'] as const) {
      const { deletedCount } = ids.length
        ? await db.collection(collection).deleteMany({ calendarId: { $in: ids } })
        : { deletedCount: 0 };
      results.push({
        collection,
        what: what(
          collection === 'calendar_acl'
            ? 'sharing rules'
            : collection === 'dav_files'
              ? 'plain WebDAV collections and files'
              : collection,
        ),
        deleted: deletedCount,
      });
    }
    if (ids.length)
      // $pullAll of exact values: FerretDB 1.24 ignores a $pull with a condition.
      await db
        .collection<{ calendarIds: mongo.ObjectId[] }>('webhooks')
        .updateMany({ calendarIds: { $in: ids } }, { $pullAll: { calendarIds: ids } });
    const { deletedCount } = ids.length
      ? await db.collection('calendars').deleteMany({ _id: { $in: ids } })
      : { deletedCount: 0 };
    results.push({ collection: 'calendars', what: what('the calendars'), deleted: deletedCount });
    return results;
  }

  /** Structural validation of every collection (where the server supports `validate`). */
  async verify(progress: ProgressFn = noProgress): Promise<DbVerifyReport> {
    const db = await connectedDb(this.connection);
    const collections = await this.validateAll(db, progress);
    const problems = validationProblems(collections);
    return { ok: problems.length === 0, database: db.databaseName, collections, problems };
  }

  /** Exact document counts per collection (system collections and views left out). */
  async counts(): Promise<CollectionCount[]> {
    const db = await connectedDb(this.connection);
    const names = await this.collectionNames(db);
    const counts: CollectionCount[] = [];
    for (const name of names) counts.push({ name, documents: await db.collection(name).countDocuments() });
    return counts;
  }

  private async collectionNames(db: mongo.Db): Promise<string[]> {
    return (await db.listCollections({}, { nameOnly: true }).toArray())
      .filter((c) => !c.name.startsWith('system.') && (!c.type || c.type === 'collection'))
      .map((c) => c.name)
      .sort();
  }

  private async validateAll(db: mongo.Db, progress: ProgressFn): Promise<CollectionValidation[]> {
    const results: CollectionValidation[] = [];
    for (const name of await this.collectionNames(db)) {
      progress(`validating ${name}…`);
      results.push(await this.validate(db, name));
    }
    return results;
  }

  /** `validate` without blocking writers (background, where the engine allows it). */
  private async validate(db: mongo.Db, name: string): Promise<CollectionValidation> {
    const attempt = (background: boolean) =>
      db.command({ validate: name, ...(background ? { background: true } : {}) });
    try {
      const r = await attempt(true).catch((err) =>
        isUnsupported(err) ? Promise.reject(err) : attempt(false),
      );
      return {
        name,
        status: r.valid ? 'valid' : 'invalid',
        records: typeof r.nrecords === 'number' ? r.nrecords : undefined,
        errors: (r.errors as string[] | undefined) ?? [],
      };
    } catch (err) {
      return { name, status: isUnsupported(err) ? 'unsupported' : 'error', errors: [(err as Error).message] };
    }
  }
}

function validationProblems(results: CollectionValidation[]): string[] {
  return results
    .filter((r) => r.status === 'invalid' || r.status === 'error')
    .map(
      (r) =>
        `collection ${r.name} ${r.status === 'invalid' ? 'is invalid' : 'could not be validated'}: ${r.errors.join('; ') || 'no detail'}`,
    );
}
