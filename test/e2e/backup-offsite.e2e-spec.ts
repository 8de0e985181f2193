import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
import { S3Server, startS3 } from '../support/gofakes3';
import { sharedServices, testConfig, withDatabase, withRedisDb } from '../support/test-env';

const COUNTS = { users: 200, events: 500, refreshTokens: 50, auditEvents: 100 };
const PREFIX = 'prod/calendar';
/** Two incompressible 6 MiB values: the Redis file is over one 8 MiB upload part. */
const BIG_VALUE_BYTES = 6 * 1024 * 1024;

// The off-site copy (BACKUP_S3_URL) against a real S3-compatible server (gofakes3) on loopback.
describe('off-site backups (BACKUP_S3_URL) against a real S3-compatible server', () => {
  let s3: S3Server;
  let client: S3Client;
  let tmp: string;
  let env: Record<string, string>;
  let mongo: MongoClient;
  let redis: Redis;
  let name: string;
  let localDir: string;

  const ops = (extra: Record<string, string>, ...args: string[]) => runOps(args, { ...env, ...extra });
  const remoteObjects = async (under = `${PREFIX}/`) => {
    const res = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: under }));
    return (res.Contents ?? []).map((o) => ({ key: o.Key!, bytes: o.Size! }));
  };
  const getObject = async (key: string) => {
    const res = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  };
  /** Lists every file of a local folder, relative, sorted. */
  const localFiles = (dir: string) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();

  beforeAll(async () => {
    s3 = await startS3('backups');
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY },
    });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'backup-offsite-e2e-'));
    const config = await testConfig({ BACKUP_DIR: path.join(tmp, 'backups') });
    env = {
      MONGODB_URI: config.mongodbUri,
      REDIS_URL: config.redisUrl,
      BACKUP_DIR: config.backupDir,
      BACKUP_S3_URL: `s3://${s3.bucket}/${PREFIX}`,
      ...s3.env,
    };
    mongo = await MongoClient.connect(config.mongodbUri);
    redis = new Redis(config.redisUrl);
    await Promise.all([seedMongo(mongo.db(), COUNTS), seedRedis(redis, 50)]);
    await redis.set('blob:1', randomBytes(BIG_VALUE_BYTES));
    await redis.set('blob:2', randomBytes(BIG_VALUE_BYTES));
  }, 120_000);

  afterAll(async () => {
    await mongo?.db().dropDatabase();
    await mongo?.close();
    await redis?.flushdb();
    redis?.disconnect();
    client?.destroy();
    await s3?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('backup all uploads every file of the verified backup, byte for byte, multipart above one part', async () => {
    const res = await ops({}, 'backup', 'all', '--json');
    expect([res.code, res.stderr]).toEqual([0, expect.not.stringMatching(/error/)]);
    const summary = JSON.parse(res.stdout);
    localDir = summary.dir;
    name = path.basename(localDir);
    expect(summary.offsite).toEqual(
      expect.objectContaining({ ok: true, url: `s3://${s3.bucket}/${PREFIX}/${name}` }),
    );
    // Progress on stderr: the big Redis file goes up in parts, the manifest last.
    expect(res.stderr).toMatch(/uploading redis\/keys\.jsonl\.gz \(\d+\/\d+, \d+ bytes, 2 parts\)/);
    const uploads = [...res.stderr.matchAll(/^uploading (\S+) \(/gm)].map((m) => m[1]);
    expect(uploads.at(-1)).toBe('manifest.json');
    // Credentials never appear in the output.
    expect(res.stdout + res.stderr).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);

    const files = localFiles(localDir);
    const remote = await remoteObjects(`${PREFIX}/${name}/`);
    expect(remote.map((o) => o.key.slice(`${PREFIX}/${name}/`.length)).sort()).toEqual(files);
    for (const file of files) {
      const local = readFileSync(path.join(localDir, file));
      expect({ file, same: (await getObject(`${PREFIX}/${name}/${file}`)).equals(local) }).toEqual({
        file,
        same: true,
      });
    }
    expect(statSync(path.join(localDir, 'redis/keys.jsonl.gz')).size).toBeGreaterThan(8 * 1024 * 1024);

    const runs = await mongo.db().collection('backup_runs').find({ kind: 'offsite' }).toArray();
    expect(runs).toEqual([
      expect.objectContaining({ outcome: 'succeeded', path: `s3://${s3.bucket}/${PREFIX}/${name}` }),
    ]);
  });

  it('backup list --remote shows the copy as whole, with its time and files', async () => {
    const [json, text] = await Promise.all([
      ops({}, 'backup', 'list', '--remote', '--json'),
      ops({}, 'backup', 'list', '--remote'),
    ]);
    expect(json.code).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(localDir, 'manifest.json'), 'utf8'));
    const listed = JSON.parse(json.stdout);
    expect(listed.url).toBe(`s3://${s3.bucket}/${PREFIX}`);
    expect(listed.backups).toEqual([
      expect.objectContaining({
        name,
        takenAt: manifest.completedAt,
        whole: true,
        problems: [],
        components: ['mongodb', 'redis'],
      }),
    ]);
    expect(listed.backups[0].files.map((f: { file: string }) => f.file).sort()).toEqual(localFiles(localDir));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^  ${name.replace(/\./g, '\\.')} .*whole$`, 'm'));
  });

  it('restore --from-s3 downloads, verifies and restores into a fresh database after the local copy is gone', async () => {
    const before = { mongo: await snapshotMongo(mongo.db()), redis: await snapshotRedis(redis) };
    rmSync(localDir, { recursive: true, force: true });
    const fresh = {
      MONGODB_URI: withDatabase(
        sharedServices().mongodbUri,
        `test_offsite_${randomBytes(4).toString('hex')}`,
      ),
      REDIS_URL: withRedisDb(sharedServices().redisUrl),
    };
    const target = await MongoClient.connect(fresh.MONGODB_URI);
    const targetRedis = new Redis(fresh.REDIS_URL);
    try {
      const res = await ops(fresh, 'system', 'restore', '--from-s3', name, '--yes', '--force', '--json');
      expect([res.code, res.stderr]).toEqual([0, expect.stringMatching(/downloading manifest\.json/)]);
      expect(res.stderr).toMatch(/^verifying mongodb\/users\.ejson\.gz/m);
      expect(localFiles(localDir)).toEqual(
        (await remoteObjects(`${PREFIX}/${name}/`))
          .map((o) => o.key.slice(`${PREFIX}/${name}/`.length))
          .sort(),
      );
      const after = { mongo: await snapshotMongo(target.db()), redis: await snapshotRedis(targetRedis) };
      for (const c of ['users', 'events', 'refresh_tokens'])
        expect({ c, docs: after.mongo.documents[c] }).toEqual({ c, docs: before.mongo.documents[c] });
      expect(after.mongo.indexes).toEqual(expect.objectContaining({ users: before.mongo.indexes.users }));
      expectSameRedis(after.redis, before.redis);
    } finally {
      await target.db().dropDatabase();
      await target.close();
      await targetRedis.flushdb();
      targetRedis.disconnect();
    }
    // Downloads 12 MiB, verifies and restores it, then the snapshots compare 12 MiB of values.
  }, 180_000);

  it('a corrupted remote object fails verification before anything is touched, and the download is deleted', async () => {
    const key = `${PREFIX}/${name}/mongodb/events.ejson.gz`;
    const good = await getObject(key);
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)] ^= 0x01;
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: bad }));
    rmSync(localDir, { recursive: true, force: true });
    const before = { mongo: await snapshotMongo(mongo.db()), redis: await snapshotRedis(redis) };
    try {
      const res = await ops({}, 'system', 'restore', '--from-s3', name, '--drop', '--yes', '--force');
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/does not match its manifest; nothing was changed/);
      expect(res.stderr).toMatch(/mongodb\/events\.ejson\.gz .*checksum/);
      expect(existsSync(localDir)).toBe(false);
      expect(await snapshotMongo(mongo.db())).toEqual(before.mongo);
      expectSameRedis(await snapshotRedis(redis), before.redis);
    } finally {
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: good }));
    }
  });

  it('prune applies the retention to the remote copies too; --dry-run only lists them', async () => {
    // Older copies of the real backup, dated 1, 2 and 3 January, and an upload that is still running.
    const manifest = JSON.parse((await getObject(`${PREFIX}/${name}/manifest.json`)).toString('utf8'));
    const files = (await remoteObjects(`${PREFIX}/${name}/`)).map((o) =>
      o.key.slice(`${PREFIX}/${name}/`.length),
    );
    const older = ['2026-01-01T02-17-00.000Z', '2026-01-02T02-17-00.000Z', '2026-01-03T02-17-00.000Z'];
    for (const copy of older) {
      for (const file of files.filter((f) => f !== 'manifest.json'))
        await client.send(
          new CopyObjectCommand({
            Bucket: s3.bucket,
            Key: `${PREFIX}/${copy}/${file}`,
            CopySource: `${s3.bucket}/${PREFIX}/${name}/${file}`,
          }),
        );
      const dated = { ...manifest, completedAt: copy.replace(/T(\d\d)-(\d\d)-/, 'T$1:$2:') };
      await client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: `${PREFIX}/${copy}/manifest.json`,
          Body: JSON.stringify(dated),
        }),
      );
    }
    const running = `${PREFIX}/2026-12-31T00-00-00.000Z/mongodb/users.ejson.gz`;
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: running, Body: 'partial' }));
    const policy = ['--keep-daily', '2', '--keep-weekly', '0', '--keep-monthly', '0'];
    const everything = await remoteObjects();

    const dry = await ops({}, 'backup', 'prune', ...policy, '--dry-run', '--json');
    expect([dry.code, dry.stderr]).toEqual([0, expect.not.stringMatching(/error/)]);
    const planned = JSON.parse(dry.stdout).remote;
    expect(planned.kept.map((k: { name: string }) => k.name)).toEqual([name, older[2]]);
    expect(planned.removed.map((r: { name: string }) => r.name)).toEqual([older[1], older[0]]);
    expect(planned.partials).toEqual([
      expect.objectContaining({ name: '2026-12-31T00-00-00.000Z', action: 'kept' }),
    ]);
    expect(await remoteObjects()).toEqual(everything);

    const real = await ops({}, 'backup', 'prune', ...policy);
    expect([real.code, real.stderr]).toEqual([0, expect.not.stringMatching(/error/)]);
    expect(real.stdout).toMatch(new RegExp(`^  removed ${older[0]}$`, 'm'));
    const left = new Set((await remoteObjects()).map((o) => o.key.split('/')[2]));
    expect([...left].sort()).toEqual(['2026-01-03T02-17-00.000Z', '2026-12-31T00-00-00.000Z', name].sort());
    // The kept copies are untouched.
    await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${PREFIX}/${name}/manifest.json` }));
  });

  it('a failed upload leaves the local backup standing, exits 1 naming the failure and records it', async () => {
    const res = await ops({ BACKUP_S3_URL: 's3://no-such-bucket/x' }, 'backup', 'all', '--json');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: off-site copy to s3:\/\/no-such-bucket\/x failed: .*NoSuchBucket/m);
    expect(res.stderr).toMatch(/the local backup .* is complete and stands/);
    expect(res.stdout + res.stderr).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
    const summary = JSON.parse(res.stdout);
    expect(summary.offsite).toEqual(expect.objectContaining({ ok: false, url: 's3://no-such-bucket/x' }));
    const verify = await ops({}, 'backup', 'verify', '--backup-dir', summary.dir);
    expect(verify.code).toBe(0);
    const failed = await mongo.db().collection('backup_runs').findOne({ kind: 'offsite', outcome: 'failed' });
    expect(failed).toEqual(
      expect.objectContaining({
        path: `s3://no-such-bucket/x/${path.basename(summary.dir)}`,
        error: expect.stringMatching(/NoSuchBucket/),
      }),
    );
  });

  it('refuses a malformed BACKUP_S3_URL naming it, and credentials in it, without echoing them', async () => {
    const [bad, withCredentials] = await Promise.all([
      ops({ BACKUP_S3_URL: 'https://bucket/prefix' }, 'backup', 'list', '--remote'),
      ops({ BACKUP_S3_URL: 's3://AKIAXXX:hunter2@bucket/prefix' }, 'backup', 'list', '--remote'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/BACKUP_S3_URL must be s3:\/\/BUCKET\[\/PREFIX\]/);
    expect(withCredentials.code).toBe(2);
    expect(withCredentials.stderr).toMatch(
      /BACKUP_S3_URL must be s3:\/\/BUCKET\[\/PREFIX\] without credentials/,
    );
    expect(withCredentials.stderr).not.toContain('hunter2');
  });
});
