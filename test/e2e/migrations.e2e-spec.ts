import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { snapshotMongo } from '../../libs/backup/test/fixtures';
import { seedTodaysShape } from '../../libs/database/test/todays-shape';
import { API_ENTRY, ROOT, runOps } from '../support/cli';
import { embedded } from '../support/embedded';
import { waitFor } from '../support/eventually';
import { testConfig } from '../support/test-env';

const SHAPE = { users: 5, events: 40 };
/** Migration 001 on that fixture: calendars for all users but the one that has it, every event, feed and webhook. */
const COUNTS = { calendars: 4, events: 40, feeds: 3, webhooks: 2 };
const CHANGED = 49;
/** Migration 002 on that fixture: every event (the one already in a secondary calendar too) gets attendees. */
const COUNTS_2 = { events: SHAPE.events + 1 };
const CHANGED_2 = SHAPE.events + 1;

interface ApiProcess {
  child: ChildProcessWithoutNullStreams;
  base: string;
  output: () => string;
  exit: Promise<number | null>;
}

/** The built API as a process of its own (as a replica starts), on a free port. */
async function spawnApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await embedded.freePort();
  const child = spawn(process.execPath, [API_ENTRY], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, base: `http://127.0.0.1:${port}`, output: () => output, exit };
}

const ready = (api: ApiProcess) =>
  waitFor(`${api.base} ready`, 60_000, async () => {
    if (api.child.exitCode !== null)
      throw new Error(`the API exited ${api.child.exitCode}:\n${api.output()}`);
    const res = await fetch(`${api.base}/health/ready`).catch(() => null);
    return res?.ok ? true : undefined;
  });

describe('schema migrations: API start and `ops db migrate` against real FerretDB', () => {
  const mongos: MongoClient[] = [];
  const apis: ApiProcess[] = [];
  /** A fresh database in today's shape, with the environment to reach it. */
  const database = async () => {
    const config = await testConfig();
    const mongo = await MongoClient.connect(config.mongodbUri);
    mongos.push(mongo);
    const seed = await seedTodaysShape(mongo.db(), SHAPE);
    const env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl, JWT_SECRET: config.jwt.secret };
    return { db: mongo.db(), seed, env };
  };

  afterAll(async () => {
    for (const api of apis) if (api.child.exitCode === null) api.child.kill('SIGKILL');
    for (const mongo of mongos) {
      await mongo.db().dropDatabase();
      await mongo.close();
    }
  });

  it('two API processes starting at once against the same database apply the migration once, then serve', async () => {
    const { db, seed, env } = await database();

    const pair = await Promise.all([spawnApi(env), spawnApi(env)]);
    apis.push(...pair);
    await Promise.all(pair.map(ready));

    const records = await db.collection('schema_migrations').find().toArray();
    expect(records).toEqual([
      expect.objectContaining({ _id: 1, name: 'calendars', changed: CHANGED, counts: COUNTS }),
      expect.objectContaining({ _id: 2, name: 'attendees', changed: CHANGED_2, counts: COUNTS_2 }),
    ]);
    const calendars = await db.collection('calendars').find().toArray();
    expect(calendars.map((c) => String(c._id)).sort()).toEqual(seed.users.map((u) => String(u._id)).sort());
    expect(await db.collection('events').countDocuments({ calendarId: { $exists: false } })).toBe(0);
    expect(await db.collection('events').countDocuments({ organizer: { $exists: false } })).toBe(0);
    // Exactly one of them logged applying it; the other found it applied (or waited for it).
    const applied = pair.filter((api) =>
      api.output().includes('migration 1 (calendars) applied: 49 documents changed'),
    );
    expect(applied).toHaveLength(1);

    for (const api of pair) api.child.kill('SIGTERM');
    expect(await Promise.all(pair.map((api) => api.exit))).toEqual([0, 0]);
  });

  it('`ops db migrate --dry-run` reports what is pending and changes nothing; `db migrate` applies it once', async () => {
    const { db, env } = await database();
    const before = await snapshotMongo(db, []);

    const [dryJson, dryHuman] = await Promise.all([
      runOps(['db', 'migrate', '--dry-run', '--json'], env),
      runOps(['db', 'migrate', '--dry-run'], env),
    ]);
    expect(dryJson.code).toBe(0);
    expect(JSON.parse(dryJson.stdout)).toEqual({
      ok: true,
      dryRun: true,
      database: db.databaseName,
      applied: [],
      pending: [
        { version: 1, name: 'calendars', description: expect.any(String) },
        { version: 2, name: 'attendees', description: expect.any(String) },
      ],
      unknown: [],
      lock: null,
      plans: [
        { version: 1, name: 'calendars', counts: COUNTS },
        { version: 2, name: 'attendees', counts: COUNTS_2 },
      ],
    });
    expect(dryHuman.code).toBe(0);
    expect(dryHuman.stdout).toMatch(
      /schema version 0\n\[WARN\]\s+1 calendars\s+pending: would change calendars 4, events 40, feeds 3, webhooks 2\n\[WARN\]\s+2 attendees\s+pending: would change events 41\nlock: free\ndry run: nothing was changed/,
    );
    // Not a document changed (the CLI's models may have built their indexes, so documents only).
    const afterDryRun = await snapshotMongo(db, []);
    for (const [name, docs] of Object.entries(before.documents))
      expect(afterDryRun.documents[name]).toEqual(docs);

    const run = await runOps(['db', 'migrate', '--json'], env);
    expect(run.stderr).toMatch(/migration 1 \(calendars\) applied: 49 documents changed/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      ok: true,
      dryRun: false,
      version: 2,
      applied: [
        { version: 1, changed: CHANGED, counts: COUNTS },
        { version: 2, changed: CHANGED_2, counts: COUNTS_2 },
      ],
    });
    expect(await db.collection('schema_migrations').countDocuments()).toBe(2);

    const [again, status] = await Promise.all([
      runOps(['db', 'migrate'], env),
      runOps(['db', 'migrate', '--dry-run'], env),
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/up to date: nothing to apply\nschema version 2\n$/);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /schema version 2\n\[ OK \]\s+1 calendars\s+applied \d{4}-\d\d-\d\dT[\d:.]+Z \(49 changed in \d+ ms\)\n\[ OK \]\s+2 attendees\s+applied \d{4}-\d\d-\d\dT[\d:.]+Z \(41 changed in \d+ ms\)\nlock: free\nup to date/,
    );
    const audited = await db
      .collection('audit_events')
      .find({ type: 'ops_action' }, { sort: { at: 1 } })
      .toArray();
    expect(audited.map((a) => [a.route, a.outcome])).toEqual([
      ['ops db migrate --json', 'success'],
      ['ops db migrate', 'success'],
    ]);
  });

  it('`ops db migrate` exits 1 naming the problem when MongoDB is unreachable, 2 on a usage error', async () => {
    const { env } = await database();
    const deadPort = await embedded.freePort();
    const [unreachable, usage] = await Promise.all([
      runOps(['db', 'migrate'], { ...env, MONGODB_URI: `mongodb://127.0.0.1:${deadPort}/nothing` }),
      runOps(['db', 'migrate', '--nosuch'], env),
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: MongoDB is unreachable/m);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown option '--nosuch'/);
  });
});
