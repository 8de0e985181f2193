import Redis from 'ioredis';
import { MongoClient } from 'mongodb';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const COUNTS = { users: 300, events: 700, refreshTokens: 100, auditEvents: 200 };
const keyId = (key: string) =>
  createHash('sha256').update(Buffer.from(key, 'base64')).digest().subarray(0, 8).toString('hex');

// Backups encrypted at rest with BACKUP_ENCRYPTION_KEY, through the built CLI.
describe('encrypted backups (BACKUP_ENCRYPTION_KEY) against real FerretDB and Redis', () => {
  const key = randomBytes(32).toString('base64');
  const otherKey = randomBytes(32).toString('base64');
  let tmp: string;
  let env: Record<string, string>;
  let mongo: MongoClient;
  let redis: Redis;
  let dir: string;

  const db = () => mongo.db();
  const ops = (extra: Record<string, string>, ...args: string[]) => runOps(args, { ...env, ...extra });
  const snapshot = async () => ({ mongo: await snapshotMongo(db()), redis: await snapshotRedis(redis) });

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'backup-encrypted-e2e-'));
    const config = await testConfig({ BACKUP_DIR: path.join(tmp, 'backups') });
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl, BACKUP_DIR: config.backupDir };
    mongo = await MongoClient.connect(config.mongodbUri);
    redis = new Redis(config.redisUrl);
    await Promise.all([seedMongo(db(), COUNTS), seedRedis(redis, 50)]);
    dir = path.join(tmp, 'encrypted');
  });

  afterAll(async () => {
    await mongo?.db().dropDatabase();
    await mongo?.close();
    await redis?.flushdb();
    redis?.disconnect();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('encrypts every data file, names the key by its id only, and verifies with the key', async () => {
    const backup = await ops({ BACKUP_ENCRYPTION_KEY: key }, 'backup', 'all', '--output', dir);
    expect(backup.code).toBe(0);
    const manifestText = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
    const manifest = JSON.parse(manifestText);
    expect(manifest.encryption).toEqual({ algorithm: 'aes-256-gcm', chunkBytes: 65536, keyId: keyId(key) });
    expect(manifestText).not.toContain(key);
    for (const file of ['mongodb/users.ejson.gz', 'redis/keys.jsonl.gz']) {
      const bytes = readFileSync(path.join(dir, file));
      expect(bytes.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false); // not plain gzip
    }

    const verify = await ops({ BACKUP_ENCRYPTION_KEY: key }, 'backup', 'verify', '--backup-dir', dir);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^intact: \d+ files match the manifest$/m);

    const [noKey, wrongKey, badKey] = await Promise.all([
      ops({}, 'backup', 'verify', '--backup-dir', dir),
      ops({ BACKUP_ENCRYPTION_KEY: otherKey }, 'backup', 'verify', '--backup-dir', dir),
      ops({ BACKUP_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'backup', 'verify', '--backup-dir', dir),
    ]);
    expect([noKey.code, noKey.stderr.trim()]).toEqual([
      1,
      `error: the backup in ${dir} is encrypted (key id ${keyId(key)}): set BACKUP_ENCRYPTION_KEY to its key`,
    ]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`key id ${keyId(key)}, BACKUP_ENCRYPTION_KEY is key id ${keyId(otherKey)}: wrong key$`),
      ),
    ]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/BACKUP_ENCRYPTION_KEY must be 32 bytes in base64/);
    expect(badKey.stderr).not.toContain('c2hvcnQ=');
  });

  it('finds a flipped byte naming the file, even when the manifest was updated to match it', async () => {
    const file = 'mongodb/events.ejson.gz';
    const flip = (name: string) => {
      const copy = path.join(tmp, name);
      cpSync(dir, copy, { recursive: true });
      const bytes = readFileSync(path.join(copy, file));
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      writeFileSync(path.join(copy, file), bytes);
      return { copy, bytes };
    };
    const flipped = flip('flipped').copy;
    const forged = flip('forged');
    const manifestPath = path.join(forged.copy, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.mongodb.collections.find((c: { file: string }) => c.file === file).sha256 = createHash('sha256')
      .update(forged.bytes)
      .digest('hex');
    writeFileSync(manifestPath, JSON.stringify(manifest));

    const [plain, authenticated] = await Promise.all([
      ops({ BACKUP_ENCRYPTION_KEY: key }, 'backup', 'verify', '--backup-dir', flipped, '--json'),
      ops({ BACKUP_ENCRYPTION_KEY: key }, 'backup', 'verify', '--backup-dir', forged.copy, '--json'),
    ]);
    expect(plain.code).toBe(1);
    expect(JSON.parse(plain.stdout).problems).toEqual([
      expect.stringMatching(/^mongodb\/events\.ejson\.gz .*checksum/),
    ]);
    expect(authenticated.code).toBe(1);
    expect(JSON.parse(authenticated.stdout).problems).toEqual([
      expect.stringMatching(/^mongodb\/events\.ejson\.gz .*fails authentication/),
    ]);
  });

  it('restore refuses a wrong or missing key before touching anything; with the key it restores everything', async () => {
    const before = await snapshot();
    const [wrong, missing] = await Promise.all([
      ops({ BACKUP_ENCRYPTION_KEY: otherKey }, 'restore', 'mongodb', '--backup-dir', dir, '--drop', '--yes'),
      ops({}, 'restore', 'redis', '--backup-dir', dir, '--drop', '--yes'),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toMatch(/^error: .*wrong key$/);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^error: .*set BACKUP_ENCRYPTION_KEY to its key$/);
    const untouched = await snapshot();
    expect(untouched.mongo).toEqual(before.mongo);
    expectSameRedis(untouched.redis, before.redis);

    await db().dropDatabase();
    await redis.flushdb();
    const [m, r] = await Promise.all([
      ops({ BACKUP_ENCRYPTION_KEY: key }, 'restore', 'mongodb', '--backup-dir', dir, '--yes', '--force'),
      ops({ BACKUP_ENCRYPTION_KEY: key }, 'restore', 'redis', '--backup-dir', dir, '--yes'),
    ]);
    expect([m.code, m.stderr]).toEqual([0, expect.not.stringMatching(/error/)]);
    expect([r.code, r.stderr]).toEqual([0, expect.not.stringMatching(/error/)]);
    const after = await snapshot();
    for (const name of Object.keys(before.mongo.documents).filter((n) => n !== 'backup_runs'))
      expect(after.mongo.documents[name]).toEqual(before.mongo.documents[name]);
    expectSameRedis(after.redis, before.redis);
  });
});
