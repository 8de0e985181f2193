import type { mongo } from 'mongoose';
import { MAX_UPDATE_STATEMENTS } from '../ferretdb-limits';
import type { Migration, MigrationCounts, MigrationProgress } from './migration';

/** Documents read per page (by ascending _id, so a page is one range of the _id index). */
const PAGE = 500;
/** Statements per bulk write (see MAX_UPDATE_STATEMENTS). */
const WRITE_BATCH = MAX_UPDATE_STATEMENTS;

type Doc = mongo.Document;

/** Events still in the old shape: no organizer yet (every write since this version sets one). */
const OLD_SHAPE: mongo.Filter<Doc> = { organizer: { $exists: false } };

interface Attendee {
  email: string;
  optional: boolean;
  responseStatus: string;
}

/** An old attendee list (addresses) as the new one: each needsAction, the organizer first, accepted. */
function attendees(list: unknown, organizer: string | null): Attendee[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out = new Map<string, Attendee>();
  for (const item of list) {
    const raw = typeof item === 'string' ? item : (item as { email?: unknown } | null)?.email;
    if (typeof raw !== 'string' || !raw.trim()) continue;
    const email = raw.trim().toLowerCase();
    if (!out.has(email) && email !== organizer)
      out.set(email, { email, optional: false, responseStatus: 'needsAction' });
  }
  if (out.size === 0) return [];
  return [
    ...(organizer ? [{ email: organizer, optional: false, responseStatus: 'accepted' }] : []),
    ...out.values(),
  ];
}

/** The $set that brings one old event to the new shape. */
function newShape(event: Doc, organizer: string | null): Doc {
  const series = attendees(event.attendees, organizer) ?? [];
  const emails = new Set(series.map((a) => a.email));
  const overrides = Array.isArray(event.overrides)
    ? (event.overrides as Doc[]).map((o) => {
        const own = attendees((o.fields as Doc | undefined)?.attendees, organizer);
        if (own === undefined) return o;
        for (const a of own) emails.add(a.email);
        return { ...o, fields: { ...(o.fields as Doc), attendees: own } };
      })
    : event.overrides;
  return {
    organizer: organizer ? { email: organizer } : null,
    attendees: series,
    attendeeEmails: [...emails],
    sequence: typeof event.sequence === 'number' ? event.sequence : 0,
    ...(overrides !== undefined ? { overrides } : {}),
  };
}

async function migrate(db: mongo.Db, progress: MigrationProgress): Promise<number> {
  const events = db.collection('events');
  const calendars = db.collection('calendars');
  let done = 0;
  let last: mongo.ObjectId | undefined;
  for (;;) {
    const page = await events
      .find(last === undefined ? OLD_SHAPE : { ...OLD_SHAPE, _id: { $gt: last } }, {
        projection: { ownerId: 1, attendees: 1, overrides: 1, sequence: 1 },
        sort: { _id: 1 },
        limit: PAGE,
      })
      .toArray();
    if (!page.length) return done;
    last = page[page.length - 1]._id as mongo.ObjectId;
    // The organizer is the event's owner: their primary calendar's _id is their account id.
    const owners = [
      ...new Map(page.filter((e) => e.ownerId).map((e) => [String(e.ownerId), e.ownerId])).values(),
    ];
    const emailOf = new Map(
      (await calendars.find({ _id: { $in: owners } }, { projection: { ownerEmail: 1 } }).toArray()).map(
        (c) => [String(c._id), typeof c.ownerEmail === 'string' ? c.ownerEmail.toLowerCase() : null],
      ),
    );
    const operations: mongo.AnyBulkWriteOperation<Doc>[] = page.map((event) => ({
      updateOne: {
        // Still in the old shape: a write by the new code meanwhile is left as it is.
        filter: { _id: event._id, ...OLD_SHAPE },
        update: { $set: newShape(event, emailOf.get(String(event.ownerId)) ?? null) },
      },
    }));
    for (let i = 0; i < operations.length; i += WRITE_BATCH)
      done += (await events.bulkWrite(operations.slice(i, i + WRITE_BATCH), { ordered: false }))
        .modifiedCount;
    progress(`events: ${done} given an organizer and attendee responses`);
  }
}

/**
 * Meetings (issue 16): `attendees` changes from addresses to `{email, optional, responseStatus}`
 * (each needsAction; the organizer — the event's owner, by their primary calendar's ownerEmail —
 * first, accepted), in the series and in each override, with the indexed `attendeeEmails` and
 * `sequence` 0. Only events still lacking `organizer` are written; `updatedAt` and `version` stay
 * as they were.
 */
export const attendeesMigration: Migration = {
  version: 2,
  name: 'attendees',
  description: 'events: organizer, attendees as {email, optional, responseStatus}, attendeeEmails, sequence',

  async plan(db): Promise<MigrationCounts> {
    return { events: await db.collection('events').countDocuments(OLD_SHAPE) };
  },

  async up(db, progress) {
    const events = await migrate(db, progress);
    return { changed: events, counts: { events } };
  },
};
