import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import { Test, TestingModule } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { sharedServices, withDatabase } from '../../../test/support/test-env';
import { AUDIT_EVENTS_COLLECTION, AuditEvent } from '../src/audit-event.schema';
import { AuditModule } from '../src/audit.module';
import { AuditRepository } from '../src/audit.repository';
import { AuditService } from '../src/audit.service';

/** The audit log against the test run's FerretDB: batched writes, the admin listing, retention. */
describe('AuditService on FerretDB', () => {
  let moduleRef: TestingModule;
  let audit: AuditService;
  let repository: AuditRepository;
  let connection: Connection;
  const events = () => connection.collection(AUDIT_EVENTS_COLLECTION);

  beforeAll(async () => {
    const uri = withDatabase(sharedServices().mongodbUri, `test_audit_${randomBytes(4).toString('hex')}`);
    moduleRef = await Test.createTestingModule({
      imports: [MongooseModule.forRoot(uri, { bufferCommands: false, autoIndex: true }), AuditModule],
    }).compile();
    await moduleRef.init();
    audit = moduleRef.get(AuditService);
    repository = moduleRef.get(AuditRepository);
    connection = moduleRef.get<Connection>(getConnectionToken());
    await connection.model('AuditEventDoc').init();
  });
  afterAll(async () => {
    await connection?.dropDatabase();
    await moduleRef?.close();
  });
  beforeEach(() => events().deleteMany({}));
  afterEach(() => jest.restoreAllMocks());

  it('keeps audit_events indexed for the time-window and per-address reads', async () => {
    const keys = (await events().indexes()).map((i) => i.key);
    expect(keys).toContainEqual({ at: 1 });
    expect(keys).toContainEqual({ ip: 1, at: 1 });
  });

  it('queues events and writes them in one insert on flush, every field kept', async () => {
    const insert = jest.spyOn(repository, 'insertMany');
    const userId = '665f1c2b8f1e4a0012345678';
    audit.record({ type: 'auth_failure', ip: '203.0.113.9', reason: 'bad_password', userId });
    audit.record({
      type: 'event_delete',
      ip: '198.51.100.7',
      actor: userId,
      route: '/v1/events/abc',
      status: 204,
      outcome: 'success',
    });
    audit.record({ type: 'not_found', ip: '192.0.2.1', route: '/.env', status: 404 });
    await audit.flush();

    expect(insert).toHaveBeenCalledTimes(1);
    expect(insert.mock.calls[0][0]).toHaveLength(3);
    const stored = await events()
      .find({}, { projection: { _id: 0 } })
      .sort({ type: 1 })
      .toArray();
    expect(stored).toEqual([
      {
        type: 'auth_failure',
        ip: '203.0.113.9',
        at: expect.any(Date),
        reason: 'bad_password',
        userId: expect.anything(),
      },
      {
        type: 'event_delete',
        ip: '198.51.100.7',
        at: expect.any(Date),
        actor: userId,
        route: '/v1/events/abc',
        status: 204,
        outcome: 'success',
      },
      { type: 'not_found', ip: '192.0.2.1', at: expect.any(Date), route: '/.env', status: 404 },
    ]);
    expect(String(stored[0].userId)).toBe(userId);
  });

  it('writes a full batch of 500 at once, without waiting for the flush interval', async () => {
    const insert = jest.spyOn(repository, 'insertMany');
    for (let i = 0; i < 500; i++)
      audit.record({ type: 'not_found', ip: `192.0.2.${i % 250}`, route: `/p${i}` });
    // The 500th event starts the write in the same tick: past the microtasks it has begun.
    await new Promise((resolve) => setImmediate(resolve));
    expect(insert).toHaveBeenCalledTimes(1);
    expect(insert.mock.calls[0][0]).toHaveLength(500);
    await audit.flush();
    expect(insert).toHaveBeenCalledTimes(1);
    expect(await events().countDocuments({ type: 'not_found' })).toBe(500);
  });

  it('lists the newest first, filtered by type and address, paged with before, including what is still queued', async () => {
    const t0 = Date.parse('2026-01-15T09:00:00Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    const seed: AuditEvent[] = [
      { type: 'auth_failure', ip: '203.0.113.9', at: at(1), reason: 'bad_password' },
      { type: 'auth_failure', ip: '198.51.100.7', at: at(2), reason: 'unknown_user' },
      { type: 'not_found', ip: '203.0.113.9', at: at(3), route: '/.git/config' },
      { type: 'auth_failure', ip: '203.0.113.9', at: at(4), reason: 'account_locked' },
    ];
    await repository.insertMany(seed);
    // Recorded but not yet flushed: the listing writes it first.
    audit.record({ type: 'auth_failure', ip: '203.0.113.9', at: at(5), reason: 'ip_locked' });

    const all = await audit.list({ limit: 10 });
    expect(all.map((e) => e.at.getTime())).toEqual([5, 4, 3, 2, 1].map((m) => at(m).getTime()));
    expect(all.every((e) => /^[0-9a-f]{24}$/.test(e.id))).toBe(true);

    const failuresHere = await audit.list({ limit: 10, type: 'auth_failure', ip: '203.0.113.9' });
    expect(failuresHere.map((e) => e.reason)).toEqual(['ip_locked', 'account_locked', 'bad_password']);

    const firstPage = await audit.list({ limit: 2, type: 'auth_failure' });
    expect(firstPage.map((e) => e.reason)).toEqual(['ip_locked', 'account_locked']);
    const nextPage = await audit.list({ limit: 2, type: 'auth_failure', before: firstPage[1].at });
    expect(nextPage.map((e) => e.reason)).toEqual(['unknown_user', 'bad_password']);
  });

  it('purges the events older than the retention cutoff and keeps the rest', async () => {
    const day = 24 * 3600_000;
    const now = Date.now();
    await repository.insertMany([
      { type: 'auth_failure', ip: '203.0.113.9', at: new Date(now - 100 * day), reason: 'bad_password' },
      { type: 'ops_action', ip: '10.0.0.1', at: new Date(now - 91 * day), actor: 'ops:root@host' },
      { type: 'not_found', ip: '192.0.2.1', at: new Date(now - 89 * day), route: '/.env' },
      { type: 'auth_failure', ip: '203.0.113.9', at: new Date(now - day), reason: 'unknown_user' },
    ]);
    expect(await audit.purgeBefore(new Date(now - 90 * day))).toBe(2);
    const left = await events().find().sort({ at: 1 }).toArray();
    expect(left.map((e) => e.type)).toEqual(['not_found', 'auth_failure']);
    expect(await audit.purgeBefore(new Date(now - 90 * day))).toBe(0);
  });
});
