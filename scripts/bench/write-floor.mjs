// The write floor: bare Fastify plus the native MongoDB driver inserting the document the API writes
// for the benchmark's POST /v1/events body into the same database (a fresh _id and uid each time).
// What FerretDB's insert costs before validation, idempotency, conflicts and cache invalidation.
// Env: PORT, MONGODB_URI, DOC_FILE (the stored event as Extended JSON, without _id/uid/timestamps).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Fastify from 'fastify';

const { BSON, MongoClient, ObjectId } = createRequire(import.meta.url)('mongodb');

const client = await new MongoClient(process.env.MONGODB_URI, { maxPoolSize: 100 }).connect();
const events = client.db().collection('events');
const template = BSON.EJSON.parse(readFileSync(process.env.DOC_FILE, 'utf8'));

const app = Fastify({ logger: false });
app.post('/*', async (_req, reply) => {
  const _id = new ObjectId();
  const now = new Date();
  await events.insertOne({
    ...template,
    _id,
    uid: `${_id.toHexString()}@calendar-assistant`,
    createdAt: now,
    updatedAt: now,
  });
  reply.code(201);
  return { id: _id.toHexString() };
});
app.addHook('onClose', () => client.close());
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
