import type { Connection, mongo } from 'mongoose';
import { snapshotMongo } from '../../../backup/test/fixtures';
import { intConnection } from '../../../../test/support/int-mongo';
import { seedTodaysShape } from '../../test/todays-shape';
import { calendarsMigration } from './001-calendars.migration';
import type { Migration } from './migration';
import {
  MIGRATION_LOCKS_COLLECTION,
  MigrationLock,
  MigrationLockDoc,
  MigrationLockTimeoutError,
} from './migration-lock';
import { MigrationRunner, MigrationRunnerOptions, SCHEMA_MIGRATIONS_COLLECTION } from './migration.runner';

const USERS = 7;
const EVENTS = 1100; // more than one page (500) of events
/** What migration 001 changes in the fixture: calendars for all users but one, every event, feed and webhook. */
const COUNTS = { calendars: USERS - 1, events: EVENTS, feeds: 3, webhooks: 2 };
const CHANGED = USERS - 1 + EVENTS + 3 + 2;
const FAST = { leaseMs: 3000, pollMs: 20, waitTimeoutMs: 20_000 };

describe('MigrationRunner and migration 001 (calendars) on FerretDB', () => {
  let conns: Awaited<ReturnType<typeof intConnection>>[] = [];
  /** A database of its own for each test. */
  const fresh = async (): Promise<{ connection: Connection; db: mongo.Db }> => {
    const c = await intConnection();
    conns.push(c);
    return { connection: c.connection, db: c.connection.db! };
  };
  // The runner is tested with migration 001 alone (002 has its own spec): its counts are these.
  const runner = (connection: Connection, options: MigrationRunnerOptions = {}) =>
    new MigrationRunner(connection, { ...FAST, migrations: [calendarsMigration], ...options });

  afterEach(async () => {
    await Promise.all(conns.map((c) => c.close()));
    conns = [];
  });

  it('migrates a database in today’s shape: a primary calendar per user, calendarId on events and feeds, calendarIds on webhooks', async () => {
    const { connection, db } = await fresh();
    const seed = await seedTodaysShape(db, { users: USERS, events: EVENTS });
    const eventsBefore = await db.collection('events').find().toArray();
    const logs: string[] = [];

    const report = await runner(connection, { holder: 'test-a' }).migrate({ log: (m) => logs.push(m) });

    expect(report.applied).toEqual([
      expect.objectContaining({
        version: 1,
        name: 'calendars',
        changed: CHANGED,
        counts: COUNTS,
      }),
    ]);
    expect(report.version).toBe(1);
    expect(logs).toEqual([
      expect.stringMatching(
        /^migration 1 \(calendars\) applied: 1111 documents changed in \d+ ms \(calendars 6, events 1100, feeds 3, webhooks 2\)$/,
      ),
    ]);

    const calendars = await db.collection('calendars').find().toArray();
    expect(calendars).toHaveLength(USERS);
    for (const user of seed.users.slice(0, -1)) {
      const calendar = calendars.find((c) => c._id.equals(user._id));
      expect(calendar).toEqual({
        _id: user._id,
        ownerId: user._id,
        ownerEmail: user.email.toLowerCase(),
        name: user.name,
        description: null,
        color: null,
        timeZone: user.timeZone,
        primary: true,
        deletedAt: null,
        createdAt: user.createdAt,
        updatedAt: expect.any(Date),
      });
    }
    expect(calendars.find((c) => c._id.equals(seed.existingCalendar._id))).toEqual(seed.existingCalendar);
    expect(calendars.find((c) => c._id.equals(seed.users[0]._id))?.ownerEmail).toBe(
      'mixed.case@example.test',
    );

    const events = await db.collection('events').find().toArray();
    expect(events).toHaveLength(EVENTS + 1);
    for (const e of events) {
      const before = eventsBefore.find((b) => b._id.equals(e._id))!;
      const expected = before.calendarId ? before : { ...before, calendarId: before.ownerId };
      // Nothing else changed: not updatedAt, not version (clients see no change).
      expect(e).toEqual(expected);
    }
    expect(events.filter((e) => e.calendarId.equals(seed.secondary))).toHaveLength(1);
    expect(events.find((e) => e.ownerId.equals(seed.orphanOwner))?.calendarId).toEqual(seed.orphanOwner);
    for (const f of await db.collection('feeds').find().toArray()) expect(f.calendarId).toEqual(f.ownerId);
    for (const w of await db.collection('webhooks').find().toArray())
      expect(w.calendarIds).toEqual([w.ownerId]);
    expect(await db.collection('calendar_acl').countDocuments()).toBe(0);

    const records = await db.collection(SCHEMA_MIGRATIONS_COLLECTION).find().toArray();
    expect(records).toEqual([
      {
        _id: 1,
        name: 'calendars',
        appliedAt: expect.any(Date),
        durationMs: expect.any(Number),
        changed: CHANGED,
        counts: COUNTS,
      },
    ]);
    // The lock was released: the newest generation is marked so, and nobody holds it.
    expect(await MigrationLock.heldBy(db)).toBeNull();
    expect(await db.collection(MIGRATION_LOCKS_COLLECTION).find().toArray()).toEqual([
      expect.objectContaining({ _id: 1, holder: 'test-a', releasedAt: expect.any(Date) }),
    ]);

    // A second run changes nothing: the same bytes in every collection, nothing applied.
    const after = await snapshotMongo(db, []);
    const again = await runner(connection, { holder: 'test-b' }).migrate();
    expect(again).toEqual({ database: db.databaseName, applied: [], version: 1, waitedMs: 0 });
    expect(await snapshotMongo(db, [])).toEqual(after);
    // Run as if it had never been recorded (a restore of older data, a lost record): still nothing to change.
    expect(await calendarsMigration.up(db, () => undefined)).toEqual({
      changed: 0,
      counts: { calendars: 0, events: 0, feeds: 0, webhooks: 0 },
    });
    expect(await snapshotMongo(db, [])).toEqual(after);
  });

  it('runs an applied migration again on request (--rerun): what an older release wrote since is moved too', async () => {
    const { connection, db } = await fresh();
    const seed = await seedTodaysShape(db, { users: 2, events: 3 });
    await runner(connection).migrate();
    // An old pod, still running during the rolling upgrade, creates an event the old way.
    const late = { ownerId: seed.users[1]._id, title: 'written by an old pod', deletedAt: null };
    const { insertedId } = await db.collection('events').insertOne(late);
    expect((await runner(connection).migrate()).applied).toEqual([]);
    expect((await db.collection('events').findOne({ _id: insertedId }))?.calendarId).toBeUndefined();

    const rerun = await runner(connection).migrate({ rerun: 1 });
    expect(rerun.applied).toEqual([expect.objectContaining({ version: 1, changed: 1 })]);
    expect((await db.collection('events').findOne({ _id: insertedId }))?.calendarId).toEqual(
      seed.users[1]._id,
    );
    // One record per version, now saying what the rerun did.
    expect(await db.collection(SCHEMA_MIGRATIONS_COLLECTION).find().toArray()).toEqual([
      expect.objectContaining({ _id: 1, changed: 1 }),
    ]);
    await expect(runner(connection).migrate({ rerun: 99 })).rejects.toThrow(
      /there is no migration 99 to run again/,
    );
  });

  it('leaves a calendar created after it looked (a sign-up during `ops db migrate`) as it is', async () => {
    const { db } = await fresh();
    const seed = await seedTodaysShape(db, { users: USERS, events: EVENTS });
    // The migration's read of existing calendars sees none, as if they were all created just after it.
    const blind = new Proxy(db, {
      get(target, prop) {
        if (prop !== 'collection') return Reflect.get(target, prop);
        return (name: string) => {
          const collection = target.collection(name);
          if (name !== 'calendars') return collection;
          return new Proxy(collection, {
            get(c, p) {
              if (p === 'find') return () => ({ toArray: async () => [] });
              const value = Reflect.get(c, p);
              return typeof value === 'function' ? value.bind(c) : value;
            },
          });
        };
      },
    });

    const result = await calendarsMigration.up(blind, () => undefined);

    expect(result.counts.calendars).toBe(USERS - 1);
    const calendars = await db.collection('calendars').find().toArray();
    expect(calendars).toHaveLength(USERS);
    expect(calendars.find((c) => c._id.equals(seed.existingCalendar._id))).toEqual(seed.existingCalendar);
  });

  it('plans without writing: the status and what the pending migration would change', async () => {
    const { connection, db } = await fresh();
    await seedTodaysShape(db, { users: USERS, events: EVENTS });
    const before = await snapshotMongo(db, []);

    const plan = await runner(connection).plan();

    expect(plan).toEqual({
      database: db.databaseName,
      applied: [],
      pending: [{ version: 1, name: 'calendars', description: expect.stringContaining('primary calendar') }],
      unknown: [],
      lock: null,
      plans: [{ version: 1, name: 'calendars', counts: COUNTS }],
    });
    expect(await snapshotMongo(db, [])).toEqual(before);

    await runner(connection).migrate();
    const status = await runner(connection).plan();
    expect(status.applied).toEqual([
      expect.objectContaining({ version: 1, name: 'calendars', changed: CHANGED }),
    ]);
    expect(status.pending).toEqual([]);
    expect(status.plans).toEqual([]);
  });

  it('applies a migration once when runners start at the same time, each user keeping exactly one calendar', async () => {
    const { connection, db } = await fresh();
    const seed = await seedTodaysShape(db, { users: USERS, events: EVENTS });
    const holders = ['replica-1', 'replica-2', 'replica-3', 'replica-4'];

    const reports = await Promise.all(holders.map((holder) => runner(connection, { holder }).migrate()));

    expect(reports.flatMap((r) => r.applied.map((a) => a.version))).toEqual([1]);
    expect(reports.every((r) => r.version === 1)).toBe(true);
    expect(await db.collection(SCHEMA_MIGRATIONS_COLLECTION).countDocuments()).toBe(1);
    const calendars = await db
      .collection('calendars')
      .find({}, { projection: { ownerId: 1 } })
      .toArray();
    expect(calendars.map((c) => String(c.ownerId)).sort()).toEqual(
      seed.users.map((u) => String(u._id)).sort(),
    );
    expect(await db.collection('events').countDocuments({ calendarId: { $exists: false } })).toBe(0);
    // One generation of the lock remains, released.
    const locks = await db.collection<MigrationLockDoc>(MIGRATION_LOCKS_COLLECTION).find().toArray();
    expect(locks).toHaveLength(1);
    expect(locks[0].releasedAt).toBeInstanceOf(Date);
  });

  it('takes over a stale lock whose holder died, once its lease has run out', async () => {
    const { connection, db } = await fresh();
    await seedTodaysShape(db, { users: USERS, events: EVENTS });
    const past = new Date(Date.now() - 60_000);
    await db
      .collection<MigrationLockDoc>(MIGRATION_LOCKS_COLLECTION)
      .insertOne({ _id: 1, holder: 'dead-pod', acquiredAt: past, expiresAt: past, releasedAt: null });
    const logs: string[] = [];

    const report = await runner(connection, { holder: 'survivor' }).migrate({ log: (m) => logs.push(m) });

    expect(report.applied.map((a) => a.version)).toEqual([1]);
    expect(logs[0]).toMatch(/took over the schema-migration lock from dead-pod/);
    expect(await db.collection(MIGRATION_LOCKS_COLLECTION).find().toArray()).toEqual([
      expect.objectContaining({
        _id: 2,
        holder: 'survivor',
        tookOverFrom: 'dead-pod',
        releasedAt: expect.any(Date),
      }),
    ]);
  });

  it('makes a runner wait while another holds the lock, then find nothing left to do', async () => {
    const { connection, db } = await fresh();
    await seedTodaysShape(db, { users: USERS, events: EVENTS });
    const holder = new MigrationLock(db, {
      holder: 'busy-pod',
      leaseMs: 3000,
      pollMs: 20,
      waitTimeoutMs: 1000,
    });
    await holder.acquire();
    let waiting!: () => void;
    const sawHolder = new Promise<void>((resolve) => (waiting = resolve));
    const logs: string[] = [];

    const waiter = runner(connection, { holder: 'waiter' }).migrate({
      log: (m) => {
        logs.push(m);
        waiting();
      },
    });
    await sawHolder;
    // What the holder does meanwhile: applies and records the migration, then lets go.
    await calendarsMigration.up(db, () => undefined);
    await db
      .collection(SCHEMA_MIGRATIONS_COLLECTION)
      .insertOne({ _id: 1 as never, name: 'calendars', appliedAt: new Date(), durationMs: 1, changed: 1 });
    await holder.release();

    const report = await waiter;
    expect(logs[0]).toMatch(/^waiting for the schema-migration lock held by busy-pod \(lease until /);
    expect(report.applied).toEqual([]);
    expect(report.version).toBe(1);
    expect(report.waitedMs).toBeGreaterThan(0);
    expect(await db.collection(SCHEMA_MIGRATIONS_COLLECTION).countDocuments()).toBe(1);
  });

  it('gives up waiting after the bound with a message naming the holder, and changes nothing', async () => {
    const { connection, db } = await fresh();
    await seedTodaysShape(db, { users: USERS, events: EVENTS });
    const holder = new MigrationLock(db, {
      holder: 'slow-pod',
      leaseMs: 5000,
      pollMs: 20,
      waitTimeoutMs: 1000,
    });
    await holder.acquire();
    const before = await snapshotMongo(db, [MIGRATION_LOCKS_COLLECTION]);

    const attempt = runner(connection, { holder: 'impatient', waitTimeoutMs: 300 }).migrate();

    await expect(attempt).rejects.toThrow(MigrationLockTimeoutError);
    await expect(attempt).rejects.toThrow(
      /waiting for the schema-migration lock \(held by slow-pod since .*lease until/,
    );
    expect(await snapshotMongo(db, [MIGRATION_LOCKS_COLLECTION])).toEqual(before);
    await holder.release();
  });

  it('stops a migration that lost its lock, records nothing, and a failed migration leaves the lock free', async () => {
    const { connection, db } = await fresh();
    const lost: Migration = {
      version: 1,
      name: 'outlives-its-lease',
      description: 'reports progress while another process takes the lock over',
      plan: async () => ({}),
      up: async (_db, progress) => {
        // Another process takes over (as after a lease ran out): the next generation appears.
        const newest = (await MigrationLock.newest(db))!;
        await db.collection<MigrationLockDoc>(MIGRATION_LOCKS_COLLECTION).insertOne({
          ...newest,
          _id: newest._id + 1,
          holder: 'usurper',
          expiresAt: new Date(Date.now() + 60_000),
        });
        // The renewal (every third of the 300 ms lease) notices; progress then throws.
        for (;;) {
          progress('a batch');
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    };
    await expect(runner(connection, { leaseMs: 300, migrations: [lost] }).migrate()).rejects.toThrow(
      /^migration 1 \(outlives-its-lease\) failed: this process lost the schema-migration lock: another process took it over\. What it changed so far stays/,
    );
    expect(await db.collection(SCHEMA_MIGRATIONS_COLLECTION).countDocuments()).toBe(0);

    const failing: Migration = {
      ...lost,
      version: 1,
      name: 'fails',
      up: async () => Promise.reject(new Error('boom')),
    };
    const other = await fresh();
    await expect(runner(other.connection, { migrations: [failing] }).migrate()).rejects.toThrow(
      /^migration 1 \(fails\) failed: boom\./,
    );
    expect(await MigrationLock.heldBy(other.db)).toBeNull();
    expect(await other.db.collection(SCHEMA_MIGRATIONS_COLLECTION).countDocuments()).toBe(0);
  });

  it('applies pending migrations in version order and records each', async () => {
    const { connection, db } = await fresh();
    const order: number[] = [];
    const step = (version: number): Migration => ({
      version,
      name: `step-${version}`,
      description: 'records that it ran',
      plan: async () => ({ steps: 1 }),
      up: async () => {
        order.push(version);
        return { changed: 1, counts: { steps: 1 } };
      },
    });
    await runner(connection, { migrations: [step(1)] }).migrate();
    const report = await runner(connection, { migrations: [step(3), step(1), step(2)] }).migrate();
    expect(order).toEqual([1, 2, 3]);
    expect(report.applied.map((a) => a.version)).toEqual([2, 3]);
    expect(report.version).toBe(3);
    const records = await db.collection(SCHEMA_MIGRATIONS_COLLECTION).find().sort({ _id: 1 }).toArray();
    expect(records.map((r) => [r._id, r.name])).toEqual([
      [1, 'step-1'],
      [2, 'step-2'],
      [3, 'step-3'],
    ]);
    const status = await runner(connection, { migrations: [step(1), step(2)] }).status();
    expect(status.unknown).toEqual([3]);
    expect(status.applied.map((a) => a.version)).toEqual([1, 2, 3]);
  });
});
