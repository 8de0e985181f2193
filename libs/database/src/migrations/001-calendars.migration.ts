import type { mongo } from 'mongoose';
import { MAX_UPDATE_STATEMENTS } from '../ferretdb-limits';
import type { Migration, MigrationCounts, MigrationProgress } from './migration';

/** Documents read per page (by ascending _id, so a page is one range of the _id index). */
const PAGE = 500;
/** Statements per bulk write (see MAX_UPDATE_STATEMENTS). */
const WRITE_BATCH = MAX_UPDATE_STATEMENTS;
const DUPLICATE_KEY = 11000;

type Doc = mongo.Document;

/** Documents that have an owner but not yet `field`. */
const lacking = (field: string): mongo.Filter<Doc> => ({
  [field]: { $exists: false },
  ownerId: { $ne: null },
});

/** Pages of `filter`'s documents in _id order, reading only `projection`. */
async function* pages(
  collection: mongo.Collection<Doc>,
  filter: mongo.Filter<Doc>,
  projection: Doc,
): AsyncGenerator<Doc[]> {
  let last: mongo.ObjectId | undefined;
  for (;;) {
    const page = await collection
      .find(last === undefined ? filter : { ...filter, _id: { $gt: last } }, {
        projection,
        sort: { _id: 1 },
        limit: PAGE,
      })
      .toArray();
    if (!page.length) return;
    last = page[page.length - 1]._id as mongo.ObjectId;
    yield page;
  }
}

/** Runs updates in batches the server takes; returns how many documents they modified. */
async function updateInBatches(
  collection: mongo.Collection<Doc>,
  operations: mongo.AnyBulkWriteOperation<Doc>[],
): Promise<number> {
  let modified = 0;
  for (let i = 0; i < operations.length; i += WRITE_BATCH)
    modified += (await collection.bulkWrite(operations.slice(i, i + WRITE_BATCH), { ordered: false }))
      .modifiedCount;
  return modified;
}

/**
 * Inserts what does not exist yet; a duplicate _id (created meanwhile, e.g. by a sign-up while
 * `ops db migrate` runs) is left as it is. Not an upsert with $setOnInsert: FerretDB 1.24 drops the
 * null fields of an upserted $setOnInsert document.
 */
async function insertNew(collection: mongo.Collection<Doc>, docs: Doc[]): Promise<number> {
  try {
    return (await collection.insertMany(docs, { ordered: false })).insertedCount;
  } catch (err) {
    const bulk = err as {
      code?: unknown;
      writeErrors?: { code?: unknown }[] | { code?: unknown };
      insertedCount?: number;
    };
    const errors = Array.isArray(bulk.writeErrors)
      ? bulk.writeErrors
      : bulk.writeErrors
        ? [bulk.writeErrors]
        : [bulk];
    if (errors.every((e) => e.code === DUPLICATE_KEY) && typeof bulk.insertedCount === 'number')
      return bulk.insertedCount;
    throw err;
  }
}

/** A user's primary calendar, as sign-up creates it: its `_id` is the user's. */
function primaryCalendar(user: Doc, now: Date): Doc {
  const email = typeof user.email === 'string' ? user.email.toLowerCase() : '';
  return {
    ownerId: user._id,
    ownerEmail: email,
    name: typeof user.name === 'string' && user.name ? user.name : email,
    description: null,
    color: null,
    timeZone: typeof user.timeZone === 'string' && user.timeZone ? user.timeZone : 'UTC',
    primary: true,
    deletedAt: null,
    createdAt: user.createdAt instanceof Date ? user.createdAt : now,
    updatedAt: now,
  };
}

/** Users without a primary calendar: counted, or given one. */
async function primaryCalendars(db: mongo.Db, apply: boolean, progress: MigrationProgress): Promise<number> {
  const calendars = db.collection('calendars');
  let done = 0;
  for await (const users of pages(
    db.collection('users'),
    {},
    { email: 1, name: 1, timeZone: 1, createdAt: 1 },
  )) {
    const have = new Set(
      (
        await calendars.find({ _id: { $in: users.map((u) => u._id) } }, { projection: { _id: 1 } }).toArray()
      ).map((c) => String(c._id)),
    );
    const missing = users.filter((u) => !have.has(String(u._id)));
    if (!apply) {
      done += missing.length;
      continue;
    }
    if (missing.length) {
      const now = new Date();
      done += await insertNew(
        calendars,
        missing.map((user) => ({ _id: user._id, ...primaryCalendar(user, now) })),
      );
    }
    progress(`calendars: ${done} primary calendars created`);
  }
  return done;
}

/** Sets `field` (the owner's primary calendar) on the documents lacking it, one statement per owner per page. */
async function assignOwnerCalendar(
  db: mongo.Db,
  name: string,
  field: string,
  value: (ownerId: unknown) => unknown,
  progress: MigrationProgress,
): Promise<number> {
  const collection = db.collection(name);
  let done = 0;
  for await (const page of pages(collection, lacking(field), { ownerId: 1 })) {
    const byOwner = new Map<string, { ownerId: unknown; ids: mongo.ObjectId[] }>();
    for (const doc of page) {
      const key = String(doc.ownerId);
      const entry = byOwner.get(key) ?? { ownerId: doc.ownerId as unknown, ids: [] as mongo.ObjectId[] };
      entry.ids.push(doc._id as mongo.ObjectId);
      byOwner.set(key, entry);
    }
    done += await updateInBatches(
      collection,
      [...byOwner.values()].map(({ ownerId, ids }) => ({
        updateMany: {
          filter: { _id: { $in: ids }, ownerId, [field]: { $exists: false } },
          update: { $set: { [field]: value(ownerId) } },
        },
      })),
    );
    progress(`${name}: ${field} set on ${done} documents`);
  }
  return done;
}

/**
 * Calendars (issue 15): every account gets its primary calendar, whose `_id` is the user's, and
 * what belonged to the account moves into it — events and feeds get `calendarId`, webhooks
 * `calendarIds`, all the owner's primary calendar. Only documents still lacking the field and users
 * still lacking the calendar are written; `updatedAt` and `version` of events stay as they were
 * (nothing a client sees changed).
 */
export const calendarsMigration: Migration = {
  version: 1,
  name: 'calendars',
  description:
    'a primary calendar per account (_id = the user id); calendarId on events and feeds, calendarIds on webhooks',

  async plan(db): Promise<MigrationCounts> {
    return {
      calendars: await primaryCalendars(db, false, () => undefined),
      events: await db.collection('events').countDocuments(lacking('calendarId')),
      feeds: await db.collection('feeds').countDocuments(lacking('calendarId')),
      webhooks: await db.collection('webhooks').countDocuments(lacking('calendarIds')),
    };
  },

  async up(db, progress) {
    const counts = {
      calendars: await primaryCalendars(db, true, progress),
      events: await assignOwnerCalendar(db, 'events', 'calendarId', (owner) => owner, progress),
      feeds: await assignOwnerCalendar(db, 'feeds', 'calendarId', (owner) => owner, progress),
      webhooks: await assignOwnerCalendar(db, 'webhooks', 'calendarIds', (owner) => [owner], progress),
    };
    return { changed: Object.values(counts).reduce((a, b) => a + b, 0), counts };
  },
};
