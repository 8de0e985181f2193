import { Test } from '@nestjs/testing';
import { getModelToken, MongooseModule } from '@nestjs/mongoose';
import { BackupModule, DbMaintenanceService } from '@app/backup';
import { CacheModule } from '@app/cache';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { ObservabilityMetricsModule } from '@app/observability';
import { MongoClient, ObjectId } from 'mongodb';
import { Model, Schema } from 'mongoose';
import { runOps } from '../support/cli';
import { testConfig } from '../support/test-env';

const DAY = 86_400_000;

describe('ops db check / maintenance / verify against real FerretDB', () => {
  let config: AppConfig;
  let env: Record<string, string>;
  let mongo: MongoClient;
  const db = () => mongo.db();
  const ids = (names: string[]) => Object.fromEntries(names.map((n) => [n, new ObjectId()]));
  const tokens = ids(['expired', 'revokedLongAgo', 'revokedRecently', 'fresh']);
  const changesets = ids(['longExpired', 'justExpired', 'live']);
  const events = ids(['oldTombstone', 'freshTombstone', 'live']);
  const audit = ids(['pastRetention', 'twentyDaysOld', 'recent']);
  const calendars = ids(['deletedLongAgo', 'deletedYesterday', 'live']);
  const calendarEvents = ids(['inOld', 'inRecent', 'inLive']);

  beforeAll(async () => {
    config = await testConfig();
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl };
    mongo = await MongoClient.connect(config.mongodbUri);
    const now = Date.now();
    const userId = new ObjectId();
    await db()
      .collection('refresh_tokens')
      .insertMany([
        { _id: tokens.expired, userId, expiresAt: new Date(now - 60_000) },
        {
          _id: tokens.revokedLongAgo,
          userId,
          expiresAt: new Date(now + DAY),
          revokedAt: new Date(now - 40 * DAY),
        },
        {
          _id: tokens.revokedRecently,
          userId,
          expiresAt: new Date(now + DAY),
          revokedAt: new Date(now - DAY),
        },
        { _id: tokens.fresh, userId, expiresAt: new Date(now + 30 * DAY) },
      ]);
    await db()
      .collection('changesets')
      .insertMany([
        { _id: changesets.longExpired, userId, expiresAt: new Date(now - 2 * DAY) },
        { _id: changesets.justExpired, userId, expiresAt: new Date(now - 3_600_000) },
        { _id: changesets.live, userId, expiresAt: new Date(now + 600_000) },
      ]);
    await db()
      .collection('events')
      .insertMany([
        { _id: events.oldTombstone, ownerId: userId, title: 'gone', deletedAt: new Date(now - 31 * DAY) },
        {
          _id: events.freshTombstone,
          ownerId: userId,
          title: 'just deleted',
          deletedAt: new Date(now - DAY),
        },
        { _id: events.live, ownerId: userId, title: 'live', deletedAt: null },
      ]);
    // A calendar deleted past CALENDAR_RETENTION_DAYS (30 by default) goes with its events, rules and
    // feeds, and webhooks stop watching it; one deleted yesterday, and a live one, stay whole.
    const calendar = (_id: ObjectId, deletedAt: Date | null) => ({
      _id,
      ownerId: userId,
      ownerEmail: 'owner@example.com',
      name: 'c',
      timeZone: 'UTC',
      primary: false,
      deletedAt,
    });
    await db()
      .collection('calendars')
      .insertMany([
        calendar(calendars.deletedLongAgo, new Date(now - 31 * DAY)),
        calendar(calendars.deletedYesterday, new Date(now - DAY)),
        calendar(calendars.live, null),
      ]);
    await db()
      .collection('events')
      .insertMany([
        { _id: calendarEvents.inOld, calendarId: calendars.deletedLongAgo, title: 'old', deletedAt: null },
        {
          _id: calendarEvents.inRecent,
          calendarId: calendars.deletedYesterday,
          title: 'recent',
          deletedAt: null,
        },
        { _id: calendarEvents.inLive, calendarId: calendars.live, title: 'kept', deletedAt: null },
      ]);
    await db()
      .collection('calendar_acl')
      .insertMany([
        { calendarId: calendars.deletedLongAgo, email: 'a@example.com', role: 'reader' },
        { calendarId: calendars.live, email: 'a@example.com', role: 'reader' },
      ]);
    await db()
      .collection('webhooks')
      .insertOne({ ownerId: userId, calendarIds: [calendars.deletedLongAgo, calendars.live] });
    await db()
      .collection('audit_events')
      .insertMany([
        { _id: audit.pastRetention, type: 'auth_failure', ip: '203.0.113.1', at: new Date(now - 366 * DAY) },
        { _id: audit.twentyDaysOld, type: 'event_delete', ip: '203.0.113.2', at: new Date(now - 20 * DAY) },
        { _id: audit.recent, type: 'blocked_ip', ip: '203.0.113.3', at: new Date(now - DAY) },
      ]);
  });

  afterAll(async () => {
    await mongo?.db().dropDatabase();
    await mongo?.close();
  });

  const remaining = async (collection: string) =>
    (await db().collection(collection).find().toArray()).map((d) => String(d._id)).sort();

  it('db maintenance purges expired tokens, old changesets and old tombstones, keeps fresh ones, and says what it did', async () => {
    const res = await runOps(['db', 'maintenance', '--json'], env);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.ok).toBe(true);
    const purged: Record<string, number> = {};
    for (const p of report.purged as { collection: string; deleted: number }[])
      purged[p.collection] = (purged[p.collection] ?? 0) + p.deleted;
    // events: the old tombstone and the deleted calendar's event.
    expect(purged).toEqual({
      refresh_tokens: 2,
      changesets: 1,
      events: 2,
      audit_events: 1,
      calendar_acl: 1,
      feeds: 0,
      dav_files: 0,
      calendars: 1,
    });
    expect(await remaining('calendars')).toEqual(
      [calendars.deletedYesterday, calendars.live].map(String).sort(),
    );
    expect((await db().collection('calendar_acl').find().toArray()).map((r) => String(r.calendarId))).toEqual(
      [String(calendars.live)],
    );
    expect((await db().collection('webhooks').findOne())?.calendarIds.map(String)).toEqual([
      String(calendars.live),
    ]);
    expect(report.notes.join(' ')).toMatch(/idempotency records.*Redis with a TTL/);
    // Other collections may exist (the ops CLI's own audit log): every one must validate.
    expect(report.validation.map((v: { name: string }) => v.name)).toEqual(
      expect.arrayContaining(['changesets', 'events', 'refresh_tokens']),
    );
    expect(report.validation.every((v: { status: string }) => v.status === 'valid')).toBe(true);

    expect(await remaining('refresh_tokens')).toEqual(
      [tokens.fresh, tokens.revokedRecently].map(String).sort(),
    );
    expect(await remaining('changesets')).toEqual(
      [changesets.justExpired, changesets.live].map(String).sort(),
    );
    expect(await remaining('events')).toEqual(
      [events.freshTombstone, events.live, calendarEvents.inRecent, calendarEvents.inLive].map(String).sort(),
    );
    // Audit events within AUDIT_RETENTION_DAYS (365 by default) stay, and the run itself is audited.
    const auditLeft = await db().collection('audit_events').find().toArray();
    expect(auditLeft.map((d) => String(d._id))).toEqual(
      expect.arrayContaining([audit.twentyDaysOld, audit.recent].map(String)),
    );
    expect(auditLeft.map((d) => String(d._id))).not.toContain(String(audit.pastRetention));
    expect(auditLeft.filter((d) => d.type === 'ops_action').map((d) => [d.route, d.outcome])).toEqual([
      ['ops db maintenance --json', 'success'],
    ]);

    const human = await runOps(['db', 'maintenance'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/0\s+event tombstones deleted more than 30 days ago/);
  });

  it('db maintenance purges audit events past AUDIT_RETENTION_DAYS', async () => {
    const res = await runOps(['db', 'maintenance', '--json'], { ...env, AUDIT_RETENTION_DAYS: '10' });
    expect(res.code).toBe(0);
    const purged = JSON.parse(res.stdout).purged.find(
      (p: { collection: string }) => p.collection === 'audit_events',
    );
    expect(purged).toEqual({
      collection: 'audit_events',
      what: 'audit events older than 10 days (AUDIT_RETENTION_DAYS)',
      deleted: 1,
    });
    const left = (await db().collection('audit_events').find().toArray()).map((d) => String(d._id));
    expect(left).toContain(String(audit.recent));
    expect(left).not.toContain(String(audit.twentyDaysOld));

    const bad = await runOps(['db', 'maintenance'], { ...env, AUDIT_RETENTION_DAYS: '0' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/AUDIT_RETENTION_DAYS must be at least 1/);
  });

  it('db check and db verify report the collections and exit 0', async () => {
    const [check, verify] = await Promise.all([
      runOps(['db', 'check', '--json'], env),
      runOps(['db', 'verify', '--json'], env),
    ]);
    expect(check.code).toBe(0);
    const c = JSON.parse(check.stdout);
    expect(c.collections).toEqual(
      expect.arrayContaining([
        { name: 'changesets', documents: 2 },
        { name: 'events', documents: 4 },
        { name: 'refresh_tokens', documents: 2 },
      ]),
    );
    expect(c.server).toMatch(/^MongoDB /);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, problems: [] });
  });

  it('syncs the indexes of the registered models: creates the missing, drops the stale', async () => {
    const schema = new Schema({ slug: String, at: Date }, { collection: 'maintenance_probes' });
    schema.index({ slug: 1 }, { unique: true });
    const app = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityMetricsModule,
        DatabaseModule.forRoot(),
        CacheModule,
        BackupModule,
        MongooseModule.forFeature([{ name: 'MaintenanceProbe', schema }]),
      ],
    }).compile();
    await app.init();
    try {
      const model = app.get<Model<unknown>>(getModelToken('MaintenanceProbe'));
      await model.init();
      const probes = db().collection('maintenance_probes');
      await probes.dropIndex('slug_1');
      await probes.createIndex({ at: 1 }, { name: 'stale_at' });

      const report = await app.get(DbMaintenanceService).maintenance();
      expect(report.indexes).toEqual([
        expect.objectContaining({
          model: 'MaintenanceProbe',
          collection: 'maintenance_probes',
          created: ['slug_1'],
          dropped: ['stale_at'],
          status: 'ok',
        }),
      ]);
      const indexes = (await probes.listIndexes().toArray()).map((i) => [i.name, !!i.unique]).sort();
      expect(indexes).toEqual([
        ['_id_', false],
        ['slug_1', true],
      ]);
    } finally {
      await app.close();
    }
  });
});
