// The driver floor: bare Fastify plus the native MongoDB driver running the API's one-week window
// query (EventRepository.findInRange) against the same database, answering with the documents.
// What the database and driver cost before framework, mongoose, expansion and serialization.
// Env: PORT, MONGODB_URI, OWNER_ID, FROM, TO (ISO instants).
import { createRequire } from 'node:module';
import Fastify from 'fastify';

const { MongoClient, ObjectId } = createRequire(import.meta.url)('mongodb');

const client = await new MongoClient(process.env.MONGODB_URI, { maxPoolSize: 100 }).connect();
const events = client.db().collection('events');
// The owner's primary calendar, whose id is the owner's.
const calendarId = new ObjectId(process.env.OWNER_ID);
const from = new Date(process.env.FROM);
const to = new Date(process.env.TO);

const app = Fastify({ logger: false });
app.get('/*', async () =>
  events
    .find({
      calendarId,
      deletedAt: null,
      rangeStart: { $lt: to },
      $or: [{ rangeEnd: null }, { rangeEnd: { $gt: from } }],
    })
    .toArray(),
);
app.addHook('onClose', () => client.close());
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
