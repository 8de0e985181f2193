import { EJSON } from 'bson';
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
    await Promise.all([seedMongo(db(), COUNTS), seedRedis(redis)]);
    dir = path.join(tmp, 'full');
  });

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
      }),
    );
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
    expect(Object.keys(after.documents)).toEqual(Object.keys(before.documents));
    for (const name of Object.keys(before.documents))
      expect(after.documents[name]).toEqual(before.documents[name]);
    expect(after.indexes).toEqual(before.indexes);
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
});
