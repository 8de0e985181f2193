// The write floor: bare Fastify plus the native MongoDB driver doing the database work the API does
// for the benchmark's POST /v1/events body: the insert of the same document (a fresh _id and uid each
// time) and the conflict query (EventRepository.findInRange over the new event's own time range,
// itself excluded, the SERIES_FIELDS projection). What FerretDB costs before validation,
// idempotency, conflict expansion and cache invalidation. Like scenario 4, requests rotate over the
// light users: each names its primary calendar (whose id is the account's) as its bearer token.
// Env: PORT, MONGODB_URI, DOC_FILE (the stored event as Extended JSON, without _id/uid/timestamps).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Fastify from 'fastify';
import { ROOT } from '../lib/setup.mjs';

const require = createRequire(import.meta.url);
const { BSON, MongoClient, ObjectId } = require('mongodb');
const { SERIES_FIELDS } = require(
  path.join(ROOT, 'dist/apps/api/libs/calendar/src/events/event.repository.js'),
);

const client = await new MongoClient(process.env.MONGODB_URI, { maxPoolSize: 100 }).connect();
const events = client.db().collection('events');
const template = BSON.EJSON.parse(readFileSync(process.env.DOC_FILE, 'utf8'));

const app = Fastify({ logger: false });
app.post('/*', async (req, reply) => {
  const account = new ObjectId(String(req.headers.authorization).slice('Bearer '.length));
  const _id = new ObjectId();
  const now = new Date();
  await events.insertOne({
    ...template,
    calendarId: account,
    ownerId: account,
    _id,
    uid: `${_id.toHexString()}@calendar-assistant`,
    createdAt: now,
    updatedAt: now,
  });
  // The conflict check of a one-off event: the calendar's other live events overlapping its range.
  const conflicts = await events
    .find(
      {
        calendarId: account,
        deletedAt: null,
        rangeStart: { $lt: template.end },
        $or: [{ rangeEnd: null }, { rangeEnd: { $gt: template.start } }],
        _id: { $ne: _id },
      },
      { projection: SERIES_FIELDS },
    )
    .toArray();
  reply.code(201);
  return { id: _id.toHexString(), conflicts: conflicts.length };
});
app.addHook('onClose', () => client.close());
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
