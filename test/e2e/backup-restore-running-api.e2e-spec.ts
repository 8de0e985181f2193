import Redis from 'ioredis';
import { MongoClient } from 'mongodb';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { startTestApi, TestApi } from '../support/test-app';
import { testConfig } from '../support/test-env';

// A restore while the API is running: its writes would race the restore, so ops refuses unless
// --force. Redis lists its clients by name (the refusal); FerretDB lists none (cannot tell).
describe('restore refuses while the API is connected (real Redis and FerretDB)', () => {
  let tmp: string;
  let config: AppConfig;
  let env: Record<string, string>;
  let mongo: MongoClient;
  let redis: Redis;
  let api: TestApi | undefined;
  let dir: string;

  const ops = (...args: string[]) => runOps(args, env);
  const lastLine = (text: string) => text.trim().split('\n').at(-1);
  const snapshot = async () => ({
    mongo: await snapshotMongo(mongo.db()),
    redis: await snapshotRedis(redis),
  });

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'restore-running-api-e2e-'));
    config = await testConfig({ BACKUP_DIR: tmp });
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl, BACKUP_DIR: tmp };
    mongo = await MongoClient.connect(config.mongodbUri);
    redis = new Redis(config.redisUrl);
    await Promise.all([
      seedMongo(mongo.db(), { users: 50, events: 100, refreshTokens: 10, auditEvents: 20 }),
      seedRedis(redis, 30),
    ]);
    dir = path.join(tmp, 'backup');
    const backup = await ops('backup', 'all', '--output', dir);
    expect(backup.code).toBe(0);
    api = await startTestApi(config);
  });

  afterAll(async () => {
    await api?.close();
    await mongo?.db().dropDatabase();
    await mongo?.close();
    await redis?.flushdb();
    redis?.disconnect();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a Redis restore while the API is connected, naming the count; nothing is changed', async () => {
    expect((await api!.request('/health')).status).toBe(200);
    const clients = String(await redis.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((l) => / name=calendar-assistant-api(:\S+)? /.test(l));
    expect(clients.length).toBeGreaterThan(0);
    const before = await snapshot();

    const res = await ops('restore', 'redis', '--backup-dir', dir, '--drop', '--yes');
    expect(res.code).toBe(1);
    expect(lastLine(res.stderr)).toBe(
      `error: refusing to restore while the API is connected: Redis lists ${clients.length} API ` +
        `connection${clients.length === 1 ? '' : 's'} from 127.0.0.1. Its writes would race the restore; ` +
        'scale it to 0 first (kubectl -n calendar scale deploy/calendar-assistant --replicas=0) or pass --force; ' +
        'nothing was changed.',
    );
    const after = await snapshot();
    expect(after.mongo).toEqual(before.mongo);
    expectSameRedis(after.redis, before.redis);
  });

  it('on FerretDB, which lists no connections, says it cannot tell and refuses without --force', async () => {
    const before = await snapshot();
    const res = await ops('restore', 'mongodb', '--backup-dir', dir, '--drop', '--yes');
    expect(res.code).toBe(1);
    // The first lines are the verification's progress: the backup is checked before the target.
    expect(lastLine(res.stderr)).toMatch(
      /^error: cannot tell whether API pods are connected: MongoDB \S+ \(FerretDB v1\.24\.\d+\) (does not list client connections|refused \$currentOp) .*; stop them first or pass --force; nothing was changed\.$/,
    );
    expect((await snapshot()).mongo).toEqual(before.mongo);
  });

  it('--force restores anyway and says what it went past', async () => {
    await redis.set('session:1', 'changed while running');
    const res = await ops('restore', 'redis', '--backup-dir', dir, '--drop', '--yes', '--force', '--json');
    expect([res.code, res.stderr]).toEqual([
      0,
      expect.stringMatching(
        /^api +Redis lists \d+ API connections? from 127\.0\.0\.1 \(--force: restoring anyway\)$/m,
      ),
    ]);
    expect(JSON.parse(res.stdout).warnings).toEqual([
      expect.stringMatching(
        /^restored with --force although Redis lists \d+ API connections? from 127\.0\.0\.1$/,
      ),
    ]);
    expect(await redis.get('session:1')).toBe('value-1');
  });

  it('once the API is stopped, a Redis restore needs no --force', async () => {
    await api!.close();
    api = undefined;
    await redis.set('session:2', 'changed after the stop');
    const res = await ops('restore', 'redis', '--backup-dir', dir, '--drop', '--yes');
    expect([res.code, res.stderr]).toEqual([0, expect.not.stringMatching(/error|api /)]);
    expect(await redis.get('session:2')).toBe('value-2');
  });
});
