import Redis from 'ioredis';
import { MongoClient } from 'mongodb';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppConfig } from '@app/config';
import {
  expectSameRedis,
  seedMongo,
  seedRedis,
  snapshotMongo,
  snapshotRedis,
} from '../../libs/backup/test/fixtures';
import { runOps } from '../support/cli';
import { startTestApi } from '../support/test-app';
import { testConfig } from '../support/test-env';

describe('ops system check / verify / restore against real FerretDB and Redis', () => {
  let tmp: string;
  let config: AppConfig;
  let env: Record<string, string>;
  let mongo: MongoClient;
  let redis: Redis;
  let backupDir: string;
  let before: Awaited<ReturnType<typeof snapshotMongo>>;
  let redisBefore: Awaited<ReturnType<typeof snapshotRedis>>;
  const db = () => mongo.db();
  const ops = (...args: string[]) => runOps(args, env);

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'system-e2e-'));
    config = await testConfig({ BACKUP_DIR: tmp });
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl, BACKUP_DIR: tmp };
    mongo = await MongoClient.connect(config.mongodbUri);
    redis = new Redis(config.redisUrl);
    await Promise.all([
      seedMongo(db(), { users: 300, events: 600, refreshTokens: 100, auditEvents: 200 }),
      seedRedis(redis, 100),
    ]);
    before = await snapshotMongo(db());
    redisBefore = await snapshotRedis(redis);
  });

  afterAll(async () => {
    await mongo?.db().dropDatabase();
    await mongo?.close();
    await redis?.flushdb();
    redis?.disconnect();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a backup without --output lands under BACKUP_DIR; system check and verify then pass, counting against it', async () => {
    const backup = await ops('backup', 'all', '--json');
    expect(backup.code).toBe(0);
    backupDir = JSON.parse(backup.stdout).dir;
    expect(path.dirname(backupDir)).toBe(tmp);
    expect(readdirSync(tmp)).toEqual([path.basename(backupDir)]);

    const [check, verify] = await Promise.all([
      ops('system', 'check', '--json'),
      ops('system', 'verify', '--json'),
    ]);
    expect(check.code).toBe(0);
    const c = JSON.parse(check.stdout);
    expect(c).toMatchObject({ ok: true, health: { status: 'healthy' }, lastBackup: { path: backupDir } });
    expect(verify.code).toBe(0);
    const v = JSON.parse(verify.stdout);
    expect(v.ok).toBe(true);
    expect(v.counts.dir).toBe(backupDir);
    expect(v.counts.mongodb).toEqual([
      // One more audit record than backed up: the backup run's own; an append-only trail may grow.
      { name: 'audit_events', expected: 200, actual: 201, status: 'more' },
      { name: 'events', expected: 600, actual: 600, status: 'equal' },
      { name: 'refresh_tokens', expected: 100, actual: 100, status: 'equal' },
      { name: 'users', expected: 300, actual: 300, status: 'equal' },
    ]);
    expect(v.counts.redis).toMatchObject({ missing: 0, expected: Object.keys(redisBefore).length });
    expect(v.warnings ?? []).not.toContainEqual(expect.stringMatching(/audit_events/));
  });

  it('system verify fails naming missing documents and keys; an unknown component is a usage error', async () => {
    const victims = await db().collection('users').find().limit(5).toArray();
    await db()
      .collection('users')
      .deleteMany({ _id: { $in: victims.map((u) => u._id) } });
    await redis.del('session:1');

    const [all, redisOnly, bad] = await Promise.all([
      ops('system', 'verify', '--backup-dir', backupDir),
      ops('system', 'verify', '--components', 'redis', '--json'),
      ops('system', 'verify', '--components', 'mongodb,postgres'),
    ]);
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/problem: users: 295 documents, the backup has 300 \(5 missing\)/);
    expect(all.stdout).toMatch(
      /problem: redis db \d+: 1 of \d+ unexpired keys of the backup are missing \("session:1"\)/,
    );
    expect(redisOnly.code).toBe(1);
    const r = JSON.parse(redisOnly.stdout);
    expect(r.counts.mongodb).toBeUndefined();
    expect(r.counts.redis).toMatchObject({ missing: 1, missingKeys: ['session:1'] });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--components/);
  });

  it('system restore --drop brings both back and verifies them; the API exports the last backup time', async () => {
    const res = await ops(
      'system',
      'restore',
      '--backup-dir',
      backupDir,
      '--drop',
      '--yes',
      '--force',
      '--json',
    );
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.ok).toBe(true);
    expect(out.restore.components).toEqual(['mongodb', 'redis']);
    expect(out.verify.problems).toEqual([]);
    expect(await snapshotMongo(db())).toEqual(before);
    expectSameRedis(await snapshotRedis(redis), redisBefore);

    // The run history survived the --drop: the backup run is still there, and so is the restore.
    const runs = await db()
      .collection('backup_runs')
      .find({}, { sort: { completedAt: 1 } })
      .toArray();
    expect(runs.map((r) => `${r.kind}:${r.outcome}`)).toEqual(['backup:succeeded', 'restore:succeeded']);
    // So did the audit trail: the record of the backup, written after it was taken, and the restore's.
    const opsActions = await db()
      .collection('audit_events')
      .find({ type: 'ops_action' }, { sort: { at: 1 } })
      .toArray();
    expect(opsActions.map((a) => [a.route.split(' --')[0], a.outcome])).toEqual([
      ['ops backup all', 'success'],
      ['ops system restore', 'success'],
    ]);

    const api = await startTestApi(config);
    try {
      const metrics = (await api.request('/metrics')).text;
      const value = Number(/^backup_last_success_timestamp_seconds (\S+)$/m.exec(metrics)?.[1]);
      expect(value).toBeCloseTo(runs[0].completedAt.getTime() / 1000, 2);
    } finally {
      await api.close();
    }
  });
});
