import { EJSON, ObjectId } from 'bson';
import Redis from 'ioredis';
import { MongoClient } from 'mongodb';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  expectSameRedis,
  seedMongo,
  seedRedis,
  snapshotMongo,
  snapshotRedis,
} from '../../libs/backup/test/fixtures';
import { runOps } from '../support/cli';
import { testConfig } from '../support/test-env';

const COUNTS = { users: 1000, events: 2500, refreshTokens: 600, auditEvents: 1500 };

// One backup of a seeded system, then everything a restore must do and refuse, via the built CLI.
describe('ops backup / restore against real FerretDB and Redis', () => {
  let tmp: string;
  let env: Record<string, string>;
  let mongo: MongoClient;
  let redis: Redis;
  let dir: string;
  let before: Awaited<ReturnType<typeof snapshotMongo>>;
  let redisBefore: Awaited<ReturnType<typeof snapshotRedis>>;

  const db = () => mongo.db();
  const ops = (...args: string[]) => runOps(args, env);
  /** A copy of the good backup to damage. */
  const copyBackup = (name: string) => {
    const copy = path.join(tmp, name);
    cpSync(dir, copy, { recursive: true });
    return copy;
  };
  const expectTargetUnchanged = async () => {
    expect(await snapshotMongo(db())).toEqual(before);
    expectSameRedis(await snapshotRedis(redis), redisBefore);
  };

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'backup-e2e-'));
    const config = await testConfig({ BACKUP_DIR: path.join(tmp, 'backups') });
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl, BACKUP_DIR: config.backupDir };
    mongo = await MongoClient.connect(config.mongodbUri);
    redis = new Redis(config.redisUrl);
    await Promise.all([seedMongo(db(), COUNTS), seedRedis(redis), seedCalendars()]);
    dir = path.join(tmp, 'full');
  });

  /** Calendars with their sharing (issue 15), the migration record, and a lock held at backup time. */
  const seedCalendars = async () => {
    const owner = new ObjectId();
    const shared = new ObjectId();
    const at = new Date('2026-03-02T10:00:00Z');
    await db()
      .collection('calendars')
      .insertMany([
        {
          _id: owner,
          ownerId: owner,
          ownerEmail: 'owner@example.test',
          name: 'Owner — primary',
          description: null,
          color: null,
          timeZone: 'Europe/Berlin',
          primary: true,
          deletedAt: null,
          createdAt: at,
          updatedAt: at,
        },
        {
          _id: shared,
          ownerId: owner,
          ownerEmail: 'owner@example.test',
          name: 'Team rota',
          description: 'who is on call',
          color: '#0b8043',
          timeZone: 'America/New_York',
          primary: false,
          deletedAt: null,
          createdAt: at,
          updatedAt: at,
        },
        {
          _id: new ObjectId(),
          ownerId: owner,
          ownerEmail: 'owner@example.test',
          name: 'Old project',
          description: null,
          color: null,
          timeZone: 'UTC',
          primary: false,
          deletedAt: at,
          createdAt: at,
          updatedAt: at,
        },
      ]);
    await db()
      .collection('calendar_acl')
      .insertMany(
        (['freeBusyReader', 'reader', 'writer'] as const).map((role, i) => ({
          _id: new ObjectId(),
          calendarId: shared,
          email: `grantee${i}@example.test`,
          granteeId: i === 2 ? null : new ObjectId(), // an invitation to someone without an account yet
          role,
          createdAt: at,
          updatedAt: at,
        })),
      );
    await db()
      .collection('schema_migrations')
      .insertOne({ _id: 1 as never, name: 'calendars', appliedAt: at, durationMs: 12, changed: 3 });
    await db()
      .collection('migration_locks')
      .insertOne({
        _id: 7 as never,
        holder: 'api-pod:1:abc',
        acquiredAt: new Date(),
        expiresAt: new Date(Date.now() + 3_600_000),
        releasedAt: null,
      });
  };

  afterAll(async () => {
    await mongo?.db().dropDatabase();
    await mongo?.close();
    await redis?.flushdb();
    redis?.disconnect();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('backs up everything, and a restore into an emptied system brings back every document, index, key and TTL', async () => {
    const backup = await ops('backup', 'all', '--output', dir, '--json');
    expect(backup.stderr).not.toMatch(/error/);
    expect(backup.code).toBe(0);
    // The state as backed up (the CLI's own models may have added their indexes at start).
    before = await snapshotMongo(db());
    redisBefore = await snapshotRedis(redis);
    const summary = JSON.parse(backup.stdout);
    const docs = Object.fromEntries(summary.mongodb.collections.map((c: any) => [c.name, c.documents]));
    expect(docs).toEqual(
      expect.objectContaining({
        audit_events: COUNTS.auditEvents,
        events: COUNTS.events,
        refresh_tokens: COUNTS.refreshTokens,
        users: COUNTS.users,
        calendars: 3,
        calendar_acl: 3,
        schema_migrations: 1,
      }),
    );
    // A lock restored as held would keep the next API start waiting for a holder that is gone.
    expect(docs.migration_locks).toBeUndefined();
    expect(summary.mongodb.skipped).toContainEqual({
      name: 'migration_locks',
      reason: expect.stringMatching(/schema-migration lock/),
    });
    expect(summary.redis.keys).toBe(Object.keys(redisBefore).length);
    expect(readdirSync(tmp).filter((n) => n.includes('.partial-'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ formatVersion: 1, components: ['mongodb', 'redis'] });
    expect(manifest.redis.scope).toMatch(/only/);
    expect((await ops('backup', 'verify', '--backup-dir', dir)).code).toBe(0);

    await db().dropDatabase();
    await redis.flushdb();
    const [restoreMongo, restoreRedis] = await Promise.all([
      // --force: FerretDB cannot tell whether the API is connected (backup-restore-running-api.e2e-spec.ts).
      ops('restore', 'mongodb', '--backup-dir', dir, '--yes', '--force'),
      ops('restore', 'redis', '--backup-dir', dir, '--yes', '--json'),
    ]);
    expect(restoreMongo.stderr).not.toMatch(/error/);
    expect(restoreMongo.code).toBe(0);
    expect(restoreMongo.stdout).toMatch(/users\s+1000 documents, \d+ index(es)?/);
    expect(restoreRedis.code).toBe(0);
    expect(JSON.parse(restoreRedis.stdout).redis).toMatchObject({ restored: summary.redis.keys, expired: 0 });

    const after = await snapshotMongo(db());
    const { migration_locks: _lock, ...backedUp } = before.documents;
    expect(Object.keys(after.documents)).toEqual(Object.keys(backedUp));
    for (const name of Object.keys(backedUp)) expect(after.documents[name]).toEqual(before.documents[name]);
    expect(after.documents.calendars).toHaveLength(3);
    expect(after.documents.calendar_acl).toHaveLength(3);
    const { migration_locks: _lockIndexes, ...indexes } = before.indexes;
    expect(after.indexes).toEqual(indexes);
    // The target from here on: as restored (the lock stayed behind).
    before = after;
    expectSameRedis(await snapshotRedis(redis), redisBefore);

    const runs = await db().collection('backup_runs').find({ kind: 'restore' }).toArray();
    expect(runs.map((r) => [r.components, r.outcome]).sort()).toEqual([
      [['mongodb'], 'succeeded'],
      [['redis'], 'succeeded'],
    ]);
  });

  it('finds a flipped byte: verify names the file and exits 1, restore refuses and leaves the target as it was', async () => {
    const bad = copyBackup('flipped');
    for (const file of ['mongodb/events.ejson.gz', 'redis/keys.jsonl.gz']) {
      const p = path.join(bad, file);
      const bytes = readFileSync(p);
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      writeFileSync(p, bytes);
    }
    const [verify, restoreMongo, restoreRedis] = await Promise.all([
      ops('backup', 'verify', '--backup-dir', bad, '--json'),
      ops('restore', 'mongodb', '--backup-dir', bad, '--drop', '--yes'),
      ops('restore', 'redis', '--backup-dir', bad, '--drop', '--yes'),
    ]);
    expect(verify.code).toBe(1);
    const report = JSON.parse(verify.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.stringMatching(/^mongodb\/events\.ejson\.gz .*checksum/),
      expect.stringMatching(/^redis\/keys\.jsonl\.gz .*checksum/),
    ]);
    expect(restoreMongo.code).toBe(1);
    expect(restoreMongo.stderr).toMatch(/mongodb\/events\.ejson\.gz .*checksum/);
    expect(restoreMongo.stderr).toMatch(/nothing was changed/);
    expect(restoreRedis.code).toBe(1);
    expect(restoreRedis.stderr).toMatch(/redis\/keys\.jsonl\.gz .*checksum/);
    await expectTargetUnchanged();
  });

  it('refuses a truncated gzip even when the manifest was updated to match it', async () => {
    const cut = copyBackup('truncated');
    const file = 'mongodb/users.ejson.gz';
    const bytes = readFileSync(path.join(cut, file));
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    writeFileSync(path.join(cut, file), half);
    const manifestPath = path.join(cut, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const entry = manifest.mongodb.collections.find((c: any) => c.file === file);
    entry.sha256 = createHash('sha256').update(half).digest('hex');
    entry.bytes = half.length;
    writeFileSync(manifestPath, JSON.stringify(manifest));

    const [verify, restore] = await Promise.all([
      ops('backup', 'verify', '--backup-dir', cut),
      ops('restore', 'mongodb', '--backup-dir', cut, '--drop', '--yes'),
    ]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/users .*is truncated/);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/mongodb\/users\.ejson\.gz .*is truncated/);
    await expectTargetUnchanged();
  });

  it('refuses a non-empty target without --drop or --merge (exit 1), and usage mistakes (exit 2)', async () => {
    const [mongoRefused, redisRefused, noYes, both, noDir, missing] = await Promise.all([
      ops('restore', 'mongodb', '--backup-dir', dir, '--yes'),
      ops('restore', 'redis', '--backup-dir', dir, '--yes'),
      ops('restore', 'mongodb', '--backup-dir', dir, '--drop'),
      ops('restore', 'mongodb', '--backup-dir', dir, '--drop', '--merge', '--yes'),
      ops('restore', 'redis', '--yes'),
      ops('restore', 'redis', '--backup-dir', path.join(tmp, 'no-such-backup'), '--yes'),
    ]);
    expect(mongoRefused.code).toBe(1);
    expect(mongoRefused.stderr).toMatch(/not empty \(.*users: ~1000.*--drop.*--merge.*nothing was changed/s);
    expect(redisRefused.code).toBe(1);
    expect(redisRefused.stderr).toMatch(/Redis db \d+ is not empty/);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/pass --yes/);
    expect(both.code).toBe(2);
    expect(noDir.code).toBe(2);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
    await expectTargetUnchanged();
  });

  it('--merge upserts by _id and overwrites keys, keeping everything else', async () => {
    const users = db().collection('users');
    const changed = await users.findOne({ email: 'user7@example.test' });
    await users.updateOne({ _id: changed!._id }, { $set: { name: 'changed since the backup' } });
    const extra = await users.insertOne({ email: 'new@example.test', name: 'after the backup' });
    const gone = await db().collection('events').find().limit(25).toArray();
    await db()
      .collection('events')
      .deleteMany({ _id: { $in: gone.map((e) => e._id) } });
    await redis.set('session:1', 'changed');
    await redis.del('user:1:prefs');
    await redis.set('new-key', 'kept');

    const [m, r] = await Promise.all([
      ops('restore', 'mongodb', '--backup-dir', dir, '--merge', '--yes', '--force'),
      ops('restore', 'redis', '--backup-dir', dir, '--merge', '--yes'),
    ]);
    expect(m.code).toBe(0);
    expect(r.code).toBe(0);

    const after = await snapshotMongo(db());
    const extraJson = EJSON.stringify(
      await users.findOne({ _id: extra.insertedId }, { promoteValues: false, promoteLongs: false }),
      { relaxed: false },
    );
    expect(after.documents.users.filter((d) => d !== extraJson)).toEqual(before.documents.users);
    expect(after.documents.users).toContain(extraJson);
    expect(after.documents.events).toEqual(before.documents.events);
    expect(await redis.get('session:1')).toBe('value-1');
    expect(await redis.hgetall('user:1:prefs')).toEqual({ theme: 'dark', tz: 'Europe/Berlin', n: '42' });
    expect(await redis.get('new-key')).toBe('kept');
  });

  it('makes schema_migrations the backup’s in every mode: none from a backup older than migrations, so the next start migrates', async () => {
    // A backup from before the migrations existed: the same folder without schema_migrations.
    const old = copyBackup('before-migrations');
    const manifestPath = path.join(old, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const entry = manifest.mongodb.collections.find((c: any) => c.name === 'schema_migrations');
    manifest.mongodb.collections = manifest.mongodb.collections.filter((c: any) => c !== entry);
    rmSync(path.join(old, entry.file));
    writeFileSync(manifestPath, JSON.stringify(manifest));

    // --force: FerretDB cannot say whether API pods are connected (see backup-restore-running-api).
    const merged = await ops(
      'restore',
      'mongodb',
      '--backup-dir',
      old,
      '--merge',
      '--yes',
      '--force',
      '--json',
    );
    expect(merged.code).toBe(0);
    expect(JSON.parse(merged.stdout).warnings).toContainEqual(
      expect.stringMatching(/^schema_migrations dropped: the backup predates the schema migrations/),
    );
    expect(await db().collection('schema_migrations').countDocuments()).toBe(0);

    // A fresh database where an API already started: only migration bookkeeping, which is no data
    // to refuse a plain restore for; the record of applied migrations becomes the backup's.
    await db().dropDatabase();
    await db()
      .collection('schema_migrations')
      .insertOne({ _id: 1 as never, name: 'calendars', appliedAt: new Date(), durationMs: 1, changed: 0 });
    const released = new Date();
    await db()
      .collection('migration_locks')
      .insertOne({
        _id: 1 as never,
        holder: 'fresh-api',
        acquiredAt: released,
        expiresAt: released,
        releasedAt: released,
      });
    const plain = await ops('restore', 'mongodb', '--backup-dir', dir, '--yes', '--force');
    expect(plain.stderr).not.toMatch(/error/);
    expect(plain.code).toBe(0);
    const after = await snapshotMongo(db());
    expect(after.documents.schema_migrations).toEqual(before.documents.schema_migrations);
    expect(after.documents.calendars).toEqual(before.documents.calendars);
    expect(await db().collection('migration_locks').find().toArray()).toEqual([
      expect.objectContaining({ holder: 'fresh-api' }),
    ]);
  });
});
