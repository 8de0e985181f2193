import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import {
  MAX_UPDATE_STATEMENTS,
  MIGRATION_LOCKS_COLLECTION,
  SCHEMA_MIGRATIONS_COLLECTION,
} from '@app/database';
import { InjectConnection } from '@nestjs/mongoose';
import { EJSON } from 'bson';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Connection, mongo } from 'mongoose';
import { BackupFailedError } from './backup.errors';
import { isAppendOnly } from './append-only';
import { connectedDb, mongoServer } from './connections';
import { readGzipLines, writeGzipLines } from './gzip-lines';
import { CollectionEntry, collectionFile, MongoSection } from './manifest';
import { noProgress, ProgressFn, throttled } from './progress';

/** `empty`: the target must hold no data; `drop`: replace each backed-up collection; `merge`: upsert by _id. */
export type RestoreMode = 'empty' | 'drop' | 'merge';

/** Read every value exactly as stored: Int32 vs Double vs Long, binary subtypes, BSON regexes. */
const EXACT_READ = {
  promoteLongs: false,
  promoteValues: false,
  promoteBuffers: false,
  bsonRegExp: true,
} as const;

const CURSOR_BATCH = 1000;
/** A restore batch closes at this many documents or this many characters of Extended JSON. */
const WRITE_BATCH_DOCS = 1000;
const WRITE_BATCH_CHARS = 8 * 1024 * 1024;
/** Replacements go in smaller batches (see MAX_UPDATE_STATEMENTS). */
const UPSERT_BATCH_DOCS = MAX_UPDATE_STATEMENTS;

interface BatchDoc {
  doc: mongo.Document;
  /** The document's line in the backup: its canonical Extended JSON. */
  line: string;
}

interface WriteCounts {
  inserted: number;
  replaced: number;
  unchanged: number;
}

/** Server error codes meaning "this server cannot do that" (FerretDB, some Atlas tiers), not "bad data". */
const UNSUPPORTED_CODES = new Set([
  238, // NotImplemented (FerretDB: validators, collation, TTL/partial/hidden indexes, collMod)
  115, // CommandNotSupported
  27, // IndexNotFound: what FerretDB answers for text, hashed and geo index types
  8000, // AtlasError: a command not allowed on this Atlas tier
]);
const NAMESPACE_EXISTS = 48;

/**
 * The schema-migration bookkeeping. The lock is never backed up: a lock restored as held would
 * keep the next API start waiting for a holder that does not exist. The record of applied
 * migrations describes the data it was saved with, so a restore always replaces it with the
 * backup's (none, for a backup from before migrations): the next API start or `ops db migrate` then
 * brings the restored data up to date. Neither counts as data already in the target.
 */
const isMigrationBookkeeping = (collection: string) =>
  collection === MIGRATION_LOCKS_COLLECTION || collection === SCHEMA_MIGRATIONS_COLLECTION;

export const isUnsupported = (err: unknown) =>
  UNSUPPORTED_CODES.has(Number((err as { code?: unknown }).code));

export interface CollectionRestoreResult {
  name: string;
  /** Documents in the backup, all now in the target: inserted, replaced (--merge) or already equal. */
  documents: number;
  inserted: number;
  replaced: number;
  unchanged: number;
  indexes: number;
  dropped: boolean;
}

export interface MongoRestoreResult {
  database: string;
  collections: CollectionRestoreResult[];
  documents: number;
  warnings: string[];
}

/** Collections of the target that hold data, other than the append-only run history and audit trail. */
export interface NonEmptyCollection {
  name: string;
  documents: number;
}

/**
 * Logical backup and restore of the application database through the driver (`connection.db`),
 * so it works the same against Atlas and FerretDB — no mongodump.
 */
@Injectable()
export class MongoBackupService {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  /** Dumps every collection into `dir` (one gzipped canonical Extended JSON file each) and describes them. */
  async dump(dir: string, progress: ProgressFn = noProgress): Promise<MongoSection> {
    const db = await connectedDb(this.connection);
    const server = await mongoServer(db);
    const infos = (await db.listCollections().toArray()).sort((a, b) => a.name.localeCompare(b.name));
    await mkdir(path.join(dir, 'mongodb'), { recursive: true });
    const collections: CollectionEntry[] = [];
    const skipped: MongoSection['skipped'] = [];
    for (const info of infos) {
      if (info.name.startsWith('system.')) {
        skipped.push({ name: info.name, reason: 'a system collection' });
        continue;
      }
      if (info.type && info.type !== 'collection') {
        skipped.push({ name: info.name, reason: `a ${info.type}: it holds no data of its own` });
        continue;
      }
      if (info.name === MIGRATION_LOCKS_COLLECTION) {
        skipped.push({
          name: info.name,
          reason: 'the schema-migration lock: restored, it would hold back the next API start',
        });
        continue;
      }
      collections.push(await this.dumpCollection(db, dir, info as mongo.CollectionInfo, progress));
    }
    return { database: db.databaseName, server: server.description, collections, skipped };
  }

  private async dumpCollection(
    db: mongo.Db,
    dir: string,
    info: mongo.CollectionInfo,
    progress: ProgressFn,
  ): Promise<CollectionEntry> {
    const name = info.name;
    const collection = db.collection(name);
    const file = collectionFile(name);
    const report = throttled(progress);
    let written = 0;
    try {
      const indexes = (await collection.listIndexes().toArray()).map(({ v: _v, ns: _ns, ...spec }) => spec);
      async function* lines() {
        const cursor = collection.find({}, { ...EXACT_READ, batchSize: CURSOR_BATCH });
        for await (const doc of cursor) {
          yield EJSON.stringify(doc, { relaxed: false });
          written++;
          report(() => `mongodb: ${name}: ${written} documents…`);
        }
      }
      const digest = await writeGzipLines(path.join(dir, file), lines(), this.config.backupEncryptionKey);
      progress(`mongodb: ${name}: ${digest.lines} documents`);
      const options = info.options ?? {};
      return {
        name,
        file,
        ...digest,
        documents: digest.lines,
        options: EJSON.serialize(options, { relaxed: true }),
        indexes: EJSON.serialize(indexes, { relaxed: true }) as CollectionEntry['indexes'],
      };
    } catch (err) {
      throw new BackupFailedError(
        `backing up collection ${name} failed after ${written} documents: ${(err as Error).message}`,
      );
    }
  }

  /** Collections of the target that hold at least one document (the append-only ones do not count). */
  async nonEmptyCollections(): Promise<NonEmptyCollection[]> {
    const db = await connectedDb(this.connection);
    const found: NonEmptyCollection[] = [];
    for (const info of await db.listCollections({}, { nameOnly: true }).toArray()) {
      if (isAppendOnly(info.name) || isMigrationBookkeeping(info.name) || info.name.startsWith('system.'))
        continue;
      if (info.type && info.type !== 'collection') continue;
      const collection = db.collection(info.name);
      if (await collection.findOne({}, { projection: { _id: 1 } }))
        found.push({ name: info.name, documents: Math.max(await collection.estimatedDocumentCount(), 1) });
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }

  async databaseName(): Promise<string> {
    return (await connectedDb(this.connection)).databaseName;
  }

  /**
   * Restores the collections of a verified backup. Any failed write stops the restore and throws
   * with the collection, batch and error. Indexes are recreated from the manifest after the data;
   * an index or collection option this server cannot build is reported as a warning.
   */
  async restore(
    dir: string,
    section: MongoSection,
    mode: RestoreMode,
    progress: ProgressFn = noProgress,
  ): Promise<MongoRestoreResult> {
    const db = await connectedDb(this.connection);
    const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    const warnings: string[] = [];
    const collections: CollectionRestoreResult[] = [];
    for (const entry of section.collections) {
      collections.push(await this.restoreCollection(db, dir, entry, mode, existing, warnings, progress));
    }
    if (
      existing.has(SCHEMA_MIGRATIONS_COLLECTION) &&
      !section.collections.some((c) => c.name === SCHEMA_MIGRATIONS_COLLECTION)
    ) {
      await db.collection(SCHEMA_MIGRATIONS_COLLECTION).drop();
      warnings.push(
        `${SCHEMA_MIGRATIONS_COLLECTION} dropped: the backup predates the schema migrations, so the restored ` +
          'data is in the old shape; the next API start (or `ops db migrate`) migrates it',
      );
    }
    return {
      database: db.databaseName,
      collections,
      documents: collections.reduce((n, c) => n + c.documents, 0),
      warnings,
    };
  }

  private async restoreCollection(
    db: mongo.Db,
    dir: string,
    entry: CollectionEntry,
    mode: RestoreMode,
    existing: Set<string>,
    warnings: string[],
    progress: ProgressFn,
  ): Promise<CollectionRestoreResult> {
    const { name } = entry;
    // The run history and the audit trail survive every restore: never dropped, and merged so the
    // target's own records win.
    const history = isAppendOnly(name);
    // The record of applied migrations is the backup's, whatever the mode.
    const replace = mode === 'drop' || name === SCHEMA_MIGRATIONS_COLLECTION;
    let dropped = false;
    if (replace && !history && existing.has(name)) {
      await db.collection(name).drop();
      existing.delete(name);
      dropped = true;
    }
    if (!existing.has(name)) await this.createCollection(db, entry, warnings);

    const collection = db.collection(name);
    // Plain restores insert; merges (and the append-only records) write only what is missing or differs.
    const write = (batch: BatchDoc[]) =>
      (mode === 'merge' && !replace) || history
        ? this.mergeBatch(collection, batch, !history)
        : this.insertBatch(collection, batch);

    const report = throttled(progress);
    const counts: WriteCounts = { inserted: 0, replaced: 0, unchanged: 0 };
    let batch: BatchDoc[] = [];
    let batchChars = 0;
    let batchNo = 0;
    let done = 0;
    let lineNo = 0;
    const flush = async () => {
      if (!batch.length) return;
      batchNo++;
      try {
        const c = await write(batch);
        counts.inserted += c.inserted;
        counts.replaced += c.replaced;
        counts.unchanged += c.unchanged;
      } catch (err) {
        throw new BackupFailedError(
          `restore stopped in collection ${name}, batch ${batchNo} (documents ${done + 1}–${done + batch.length}): ` +
            `${(err as Error).message}. ${done} documents of ${name} were restored before it; ` +
            `the target is partly restored.`,
        );
      }
      done += batch.length;
      batch = [];
      batchChars = 0;
      report(() => `mongodb: ${name}: ${done} of ${entry.documents} documents…`);
    };
    try {
      for await (const line of readGzipLines(path.join(dir, entry.file), this.config.backupEncryptionKey)) {
        lineNo++;
        let doc: mongo.Document;
        try {
          doc = EJSON.parse(line, { relaxed: false }) as mongo.Document;
        } catch (err) {
          throw new BackupFailedError(
            `${entry.file} line ${lineNo} is not Extended JSON (${(err as Error).message}); ` +
              `${done} documents of ${name} were written before it`,
          );
        }
        batch.push({ doc, line });
        batchChars += line.length;
        if (batch.length >= WRITE_BATCH_DOCS || batchChars >= WRITE_BATCH_CHARS) await flush();
      }
      await flush();
    } catch (err) {
      if (err instanceof BackupFailedError) throw err;
      throw new BackupFailedError(
        `reading ${entry.file} failed at line ${lineNo}: ${(err as Error).message}; ` +
          `${done} documents of ${name} were written before it`,
      );
    }
    if (lineNo !== entry.documents)
      throw new BackupFailedError(
        `${entry.file} held ${lineNo} documents but the manifest says ${entry.documents}`,
      );
    progress(
      `mongodb: ${name}: ${done} documents restored (${counts.inserted} inserted, ${counts.replaced} replaced, ` +
        `${counts.unchanged} unchanged)`,
    );
    const indexes = await this.createIndexes(db, entry, warnings);
    return { name, documents: done, ...counts, indexes, dropped };
  }

  private async insertBatch(collection: mongo.Collection, batch: BatchDoc[]): Promise<WriteCounts> {
    await collection.insertMany(
      batch.map((b) => b.doc),
      { ordered: true },
    );
    return { inserted: batch.length, replaced: 0, unchanged: 0 };
  }

  /**
   * Upsert by _id, writing only what is needed: documents missing from the target are inserted,
   * documents that differ are replaced (when `replace`; append-only records keep the target's), equal
   * ones are left alone. Reads the batch's _ids first, so a merge into an intact database writes
   * nothing — and FerretDB, slow at upserts, mostly gets plain inserts.
   */
  private async mergeBatch(
    collection: mongo.Collection,
    batch: BatchDoc[],
    replace: boolean,
  ): Promise<WriteCounts> {
    const key = (id: unknown) => EJSON.stringify({ id }, { relaxed: false });
    const present = new Map<string, string>();
    const cursor = collection.find({ _id: { $in: batch.map((b) => b.doc._id) } }, EXACT_READ);
    for await (const doc of cursor) present.set(key(doc._id), EJSON.stringify(doc, { relaxed: false }));
    const missing = batch.filter((b) => !present.has(key(b.doc._id)));
    const differing = replace
      ? batch.filter((b) => present.has(key(b.doc._id)) && present.get(key(b.doc._id)) !== b.line)
      : [];
    if (missing.length) await this.insertBatch(collection, missing);
    for (let i = 0; i < differing.length; i += UPSERT_BATCH_DOCS) {
      await collection.bulkWrite(
        differing.slice(i, i + UPSERT_BATCH_DOCS).map(({ doc }) => ({
          replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true },
        })),
        { ordered: true },
      );
    }
    return {
      inserted: missing.length,
      replaced: differing.length,
      unchanged: batch.length - missing.length - differing.length,
    };
  }

  /** Creates the collection with its backed-up options, or without the ones this server lacks. */
  private async createCollection(db: mongo.Db, entry: CollectionEntry, warnings: string[]): Promise<void> {
    const options = EJSON.deserialize(entry.options, { relaxed: true }) as mongo.CreateCollectionOptions;
    try {
      await db.createCollection(entry.name, options);
    } catch (err) {
      // Created meanwhile: a model's index build (mongoose autoIndex) creates its collection.
      if ((err as { code?: unknown }).code === NAMESPACE_EXISTS) return;
      if (!isUnsupported(err) || !Object.keys(options).length) throw err;
      warnings.push(
        `collection ${entry.name}: created without its options (${Object.keys(options).join(', ')}): ` +
          `this server does not support them (${(err as Error).message})`,
      );
      await db.createCollection(entry.name);
    }
  }

  /** Recreates the backed-up indexes (except the default _id index) with their options; returns how many. */
  private async createIndexes(db: mongo.Db, entry: CollectionEntry, warnings: string[]): Promise<number> {
    let created = 0;
    for (const raw of entry.indexes) {
      if (raw.name === '_id_') continue;
      const spec = EJSON.deserialize(raw, { relaxed: true }) as mongo.IndexDescription & { name: string };
      try {
        await db.command({ createIndexes: entry.name, indexes: [spec] });
        created++;
      } catch (err) {
        if (!isUnsupported(err))
          throw new BackupFailedError(
            `collection ${entry.name}: the data is restored but index ${spec.name} could not be created: ` +
              `${(err as Error).message}`,
          );
        warnings.push(
          `collection ${entry.name}: index ${spec.name} was not created: this server does not support it ` +
            `(${(err as Error).message})`,
        );
      }
    }
    return created;
  }
}
