/**
 * Test fixtures for the backup end-to-end tests (test/e2e/backup*, db*, system*): realistic raw
 * documents and Redis keys, and exact snapshots to compare a restore against.
 */
import { Binary, Decimal128, Double, EJSON, Int32, Long, ObjectId } from 'bson';
import type Redis from 'ioredis';
import type { mongo } from 'mongoose';

const DAY = 86_400_000;

/** FerretDB 1.24 stores neither Decimal128 nor arrays directly inside arrays; MongoDB does. */
export async function isFerretDb(db: mongo.Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

export interface SeedCounts {
  users: number;
  events: number;
  refreshTokens: number;
  auditEvents: number;
}

/** Inserts raw documents with the driver: ObjectIds, Dates, Long, Int32 vs Double, Binary, nested arrays of objects. */
export async function seedMongo(db: mongo.Db, counts: SeedCounts): Promise<void> {
  const ferret = await isFerretDb(db);
  const now = Date.now();
  const users = Array.from({ length: counts.users }, (_, i) => ({
    _id: new ObjectId(),
    email: `user${i}@example.test`,
    name: `User ${i} — ü`,
    timeZone: i % 2 ? 'Europe/Berlin' : 'America/New_York',
    createdAt: new Date(now - i * 60_000),
    storageBytes: Long.fromString(`${9_007_199_254_740_993n + BigInt(i)}`),
    loginCount: new Int32(i),
    score: new Double(i), // a whole double must stay a double
    avatarHash: new Binary(Buffer.from([i % 256, 0, 255, 1]), 0),
    uuid: new Binary(Buffer.alloc(16, i % 256), 4),
    workingHours: [
      { day: 1, ranges: [{ start: '09:00', end: '17:00' }] },
      {
        day: 2,
        ranges: [
          { start: '09:00', end: '12:00' },
          { start: '13:00', end: '17:00' },
        ],
      },
    ],
    ...(ferret ? {} : { balance: Decimal128.fromString(`${i}.10`), matrix: [[i, i + 1], [{ x: 1 }]] }),
    profile: { locale: 'de-DE', flags: { beta: i % 3 === 0 }, nothing: null },
  }));
  await db.collection('users').insertMany(users);
  await db.collection('users').createIndex({ email: 1 }, { unique: true, name: 'email_unique' });
  await db.collection('users').createIndex({ timeZone: 1, createdAt: -1 });

  const events = Array.from({ length: counts.events }, (_, i) => {
    const start = new Date(now + (i - counts.events / 2) * 3_600_000);
    return {
      _id: new ObjectId(),
      ownerId: users[i % users.length]._id,
      title: `Event ${i}`,
      start,
      end: new Date(start.getTime() + 1_800_000),
      timeZone: 'Europe/Berlin',
      attendees: [{ email: `guest${i}@example.test`, status: 'accepted' }],
      ...(i % 4 === 0
        ? {
            recurrence: {
              rrule: 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10',
              exdates: [new Date(start.getTime() + 7 * DAY)],
            },
            overrides: [
              {
                originalStart: new Date(start.getTime() + 2 * DAY),
                changes: { title: `Moved ${i}`, start: new Date(start.getTime() + 2 * DAY + 3_600_000) },
                attendees: [{ email: 'extra@example.test', status: 'tentative' }],
              },
            ],
          }
        : {}),
      ...(i % 50 === 0 ? { deletedAt: new Date(now - (i % 100 === 0 ? 40 : 1) * DAY) } : {}),
      version: new Int32(1),
    };
  });
  await db.collection('events').insertMany(events);
  await db.collection('events').createIndex({ ownerId: 1, start: 1 });
  await db.collection('events').createIndex({ externalId: 1 }, { sparse: true });

  const tokens = Array.from({ length: counts.refreshTokens }, (_, i) => ({
    _id: new ObjectId(),
    userId: users[i % users.length]._id,
    tokenHash: new Binary(Buffer.from(`hash-${i}`.padEnd(32, '.')), 0),
    familyId: new ObjectId(),
    expiresAt: new Date(now + (i % 2 ? 30 : -1) * DAY),
    ...(i % 5 === 0 ? { revokedAt: new Date(now - 2 * DAY) } : {}),
  }));
  await db.collection('refresh_tokens').insertMany(tokens);
  await db.collection('refresh_tokens').createIndex({ tokenHash: 1 }, { unique: true });

  const audit = Array.from({ length: counts.auditEvents }, (_, i) => ({
    _id: new ObjectId(),
    at: new Date(now - i * 1000),
    actorId: users[i % users.length]._id,
    action: ['login', 'event.create', 'event.delete'][i % 3],
    ip: `10.0.${i % 256}.${(i * 7) % 256}`,
    details: { requestId: `req-${i}`, tags: ['a', 'b'], latencyMs: new Double(i / 10) },
  }));
  await db.collection('audit_events').insertMany(audit);
  await db.collection('audit_events').createIndex({ at: -1 });
}

/**
 * Every document of every collection (minus `exclude`) as canonical Extended JSON, sorted by _id —
 * minus the audit records the ops CLI writes of its own commands, which tests assert on their own.
 */
export async function snapshotMongo(
  db: mongo.Db,
  exclude: string[] = ['backup_runs'],
): Promise<{ documents: Record<string, string[]>; indexes: Record<string, unknown[]> }> {
  const documents: Record<string, string[]> = {};
  const indexes: Record<string, unknown[]> = {};
  const names = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .filter((n) => !exclude.includes(n))
    .sort();
  for (const name of names) {
    const docs = await db
      .collection(name)
      .find(name === 'audit_events' ? { type: { $ne: 'ops_action' } } : {}, {
        promoteLongs: false,
        promoteValues: false,
        promoteBuffers: false,
        bsonRegExp: true,
      })
      .toArray();
    documents[name] = docs.map((d) => EJSON.stringify(d, { relaxed: false })).sort();
    indexes[name] = (await db.collection(name).listIndexes().toArray())
      .map((i) => ({ name: i.name, key: i.key, unique: !!i.unique, sparse: !!i.sparse }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  return { documents, indexes };
}

/** Keys of every type, with and without TTLs, including a binary key and value. */
export async function seedRedis(redis: Redis, keys = 200): Promise<void> {
  const p = redis.pipeline();
  for (let i = 0; i < keys; i++) {
    if (i % 3 === 0)
      p.set(`idem:${i}`, JSON.stringify({ status: 201, body: { id: i } }), 'PX', 3_600_000 + i);
    else p.set(`session:${i}`, `value-${i}`);
  }
  p.hset('user:1:prefs', { theme: 'dark', tz: 'Europe/Berlin', n: '42' });
  p.hset('ratelimit:10.0.0.1', { count: '7' }).pexpire('ratelimit:10.0.0.1', 2 * 3_600_000);
  p.rpush('queue:emails', 'a', 'b', 'c', 'a');
  p.sadd('denylist:ips', '10.0.0.9', '10.0.0.10');
  p.sadd('tags:1', 'work', 'home').expire('tags:1', 7200);
  p.zadd('active-users', 1, 'u1', 2.5, 'u2', -3, 'u3');
  p.zadd('leaderboard', 10, 'x').pexpire('leaderboard', 3 * 3_600_000);
  p.xadd('stream:audit', '*', 'action', 'login', 'user', 'u1');
  p.set(Buffer.from([0xff, 0xfe, 0x00, 0x41]), Buffer.from([0x00, 0x01, 0xfe, 0xff]));
  await p.exec();
}

export interface RedisKeySnapshot {
  type: string;
  value: unknown;
  /** Absolute expiry in ms (null without one), from PTTL at snapshot time. */
  expireAt: number | null;
}

/** Every key of the current db: type, value (read per type), absolute expiry. Keys hex-encoded. */
export async function snapshotRedis(redis: Redis): Promise<Record<string, RedisKeySnapshot>> {
  const out: Record<string, RedisKeySnapshot> = {};
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scanBuffer(cursor, 'COUNT', 1000);
    cursor = next.toString();
    for (const k of batch) keys.add(k.toString('hex'));
  } while (cursor !== '0');
  for (const hex of [...keys].sort()) {
    const key = Buffer.from(hex, 'hex');
    const type = await redis.type(key);
    const at = Date.now();
    const pttl = await redis.pttl(key);
    let value: unknown;
    if (type === 'string') value = (await redis.getBuffer(key))?.toString('hex');
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'set') value = (await redis.smembers(key)).sort();
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'stream') value = await redis.xrange(key, '-', '+');
    out[hex] = { type, value, expireAt: pttl >= 0 ? at + pttl : null };
  }
  return out;
}

/** Compares two Redis snapshots: same keys, types and values, expiries within `toleranceMs`. */
export function expectSameRedis(
  actual: Record<string, RedisKeySnapshot>,
  expected: Record<string, RedisKeySnapshot>,
  toleranceMs = 1000,
): void {
  const strip = (s: Record<string, RedisKeySnapshot>) =>
    Object.fromEntries(
      Object.entries(s).map(([k, v]) => [k, { type: v.type, value: v.value, ttl: v.expireAt !== null }]),
    );
  expect(strip(actual)).toEqual(strip(expected));
  for (const [key, snap] of Object.entries(expected)) {
    if (snap.expireAt === null) continue;
    const drift = Math.abs((actual[key].expireAt ?? 0) - snap.expireAt);
    if (drift > toleranceMs) throw new Error(`key ${key}: expiry moved by ${drift} ms`);
  }
}
