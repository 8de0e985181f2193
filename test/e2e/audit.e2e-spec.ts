import type { AssistantMessageRequest, ChangesetConfirmRequest } from '@app/assistant';
import { AppConfig } from '@app/config';
import { AuditService } from '@app/audit';
import { DateTime } from 'luxon';
import { MongoClient } from 'mongodb';
import { runOps } from '../support/cli';
import { eventually } from '../support/eventually';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const ZONE = 'America/New_York';
const DENY_LIST_REFRESH_WAIT_MS = 6000;

/**
 * The audit log's completeness: deletes, changeset confirmations and undos, token reuse, blocks
 * and ops actions, each with actor, IP, time and outcome — and `ops security unblock` lifting a
 * block on two API replicas sharing one Redis within seconds.
 */
describe('audit log: who did what, from where, when, and how it ended', () => {
  let config: AppConfig;
  let api: TestApi;
  let replica: TestApi;
  let alice: TestUser;
  let mongo: MongoClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    config = await testConfig({
      RATE_LIMIT_PER_MINUTE: '0',
      RATE_LIMIT_AUTH_PER_MINUTE: '0',
      RATE_LIMIT_USER_PER_MINUTE: '0',
      RATE_LIMIT_ASSISTANT_PER_MINUTE: '0',
    });
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl, JWT_SECRET: config.jwt.secret };
    // Two replicas of the API on the same MongoDB database and Redis db.
    [api, replica] = await Promise.all([startTestApi(config), startTestApi(config)]);
    alice = await registerUser(api, { timeZone: ZONE });
    mongo = await MongoClient.connect(config.mongodbUri);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), replica?.close()]);
    await mongo?.db().dropDatabase();
    await mongo?.close();
  });

  /** The audit events matching `filter`, once the API's batched writer has flushed. */
  async function audited(filter: Record<string, unknown>): Promise<Record<string, any>[]> {
    await Promise.all([api.app.get(AuditService).flush(), replica.app.get(AuditService).flush()]);
    return mongo.db().collection('audit_events').find(filter).sort({ at: 1 }).toArray();
  }

  const createEvent = async (title: string, start: string) => {
    const res = await api.request('/v1/events', {
      method: 'POST',
      token: alice.token,
      json: { title, start },
    });
    expect(res.status).toBe(201);
    return res.body.event as { id: string };
  };

  it('records event deletes with actor, IP, time and outcome, failed ones too', async () => {
    const before = new Date();
    const event = await createEvent('Audited delete', '2026-07-01T10:00');
    expect(
      (await api.request(`/v1/events/${event.id}`, { method: 'DELETE', token: alice.token })).status,
    ).toBe(204);
    expect(
      (await api.request(`/v1/events/${event.id}`, { method: 'DELETE', token: alice.token })).status,
    ).toBe(404);

    const rows = await audited({ type: 'event_delete', actor: alice.id });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      ip: '127.0.0.1',
      route: `/v1/events/${event.id}`,
      status: 204,
      outcome: 'success',
    });
    expect(rows[1]).toMatchObject({ status: 404, outcome: 'failure' });
    for (const row of rows) expect(row.at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);

    // A delete refused before authentication is an auth failure, not an anonymous delete.
    await api.request(`/v1/events/${event.id}`, { method: 'DELETE' });
    expect(await audited({ type: 'event_delete', actor: { $exists: false } })).toHaveLength(0);
  });

  it('records changeset confirmations and undos', async () => {
    const date = DateTime.now().setZone(ZONE).plus({ days: 3 }).toISODate();
    await createEvent('Pottery class', `${date}T18:00`);
    const preview = await api.request('/v1/assistant/messages', {
      method: 'POST',
      token: alice.token,
      json: { text: 'Cancel my pottery class' } satisfies AssistantMessageRequest,
    });
    expect(preview.status).toBe(200);
    const { id, token } = preview.body.changeset as { id: string; token: string };
    const confirm = () =>
      api.request(`/v1/changesets/${id}/confirm`, {
        method: 'POST',
        token: alice.token,
        json: { token } satisfies ChangesetConfirmRequest,
      });
    expect((await confirm()).status).toBe(200);
    expect((await confirm()).status).toBe(409); // a token works once: a failed confirmation
    expect(
      (await api.request(`/v1/changesets/${id}/undo`, { method: 'POST', token: alice.token })).status,
    ).toBe(200);

    const confirms = await audited({ type: 'changeset_confirm', actor: alice.id });
    expect(confirms.map((r) => [r.outcome, r.status])).toEqual([
      ['success', 200],
      ['failure', 409],
    ]);
    expect(confirms[0]).toMatchObject({ ip: '127.0.0.1', route: `/v1/changesets/${id}/confirm` });
    expect(await audited({ type: 'changeset_undo', actor: alice.id })).toEqual([
      expect.objectContaining({ outcome: 'success', status: 200, ip: '127.0.0.1', at: expect.any(Date) }),
    ]);
  });

  it('records refresh-token reuse against the account it was stolen from', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const refresh = () =>
      api.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: user.refreshToken } });
    expect((await refresh()).status).toBe(200);
    expect((await refresh()).status).toBe(401);
    const rows = await eventuallyRows({ type: 'auth_failure', reason: 'refresh_reused' });
    expect(rows.some((r) => String(r.userId) === user.id && r.ip === '127.0.0.1')).toBe(true);
  });

  /** Identity writes auth failures itself (not through the batched writer): poll briefly. */
  async function eventuallyRows(filter: Record<string, unknown>): Promise<Record<string, any>[]> {
    let rows: Record<string, any>[] = [];
    await eventually(async () => (rows = await audited(filter)).length > 0, 3000);
    return rows;
  }

  it('ops security deny-list blocks on both replicas, ops security unblock lifts it within seconds; all audited', async () => {
    const live = async (target: TestApi) => (await target.request('/v1/me', { token: alice.token })).status;
    expect([await live(api), await live(replica)]).toEqual([200, 200]);

    const block = await runOps(
      ['security', 'deny-list', '--add', '127.0.0.1', '--reason', 'audit e2e', '--json'],
      env,
    );
    expect(block.code).toBe(0);
    expect(
      await eventually(
        async () => (await live(api)) === 403 && (await live(replica)) === 403,
        DENY_LIST_REFRESH_WAIT_MS,
      ),
    ).toBe(true);
    const refused = await replica.request('/v1/me', { token: alice.token });
    expect(refused.body.error).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/blocked/),
    });
    // The probes stay open for a blocked address.
    expect((await api.request('/health/live')).status).toBe(200);

    const unblock = await runOps(['security', 'unblock', '127.0.0.1', '--json'], env);
    expect(unblock.code).toBe(0);
    expect(JSON.parse(unblock.stdout)).toMatchObject({ ok: true, removed: 1, notListed: [] });
    expect(
      await eventually(
        async () => (await live(api)) === 200 && (await live(replica)) === 200,
        DENY_LIST_REFRESH_WAIT_MS,
      ),
    ).toBe(true);

    // The refusals were audited (sampled), and both ops actions with the OS user and the outcome.
    expect((await audited({ type: 'blocked_ip', ip: '127.0.0.1' })).length).toBeGreaterThan(0);
    const actions = await audited({ type: 'ops_action' });
    expect(actions.map((a) => a.route)).toEqual([
      'ops security deny-list --add 127.0.0.1 --reason "audit e2e" --json',
      'ops security unblock 127.0.0.1 --json',
    ]);
    for (const a of actions)
      expect(a).toMatchObject({
        actor: expect.stringMatching(/^ops:.+@.+/),
        ip: expect.any(String),
        outcome: 'success',
        reason: 'exit 0',
        at: expect.any(Date),
      });
  });

  it('audits a failed ops action as a failure, and read-only commands not at all', async () => {
    const bad = await runOps(['security', 'unblock', 'not-an-ip'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an IP address: not-an-ip/);
    const list = await runOps(['security', 'deny-list', '--json'], env);
    expect(list.code).toBe(0);

    const actions = await audited({ type: 'ops_action' });
    expect(actions.at(-1)).toMatchObject({
      route: 'ops security unblock not-an-ip',
      outcome: 'failure',
      reason: expect.stringMatching(/^exit 2: not an IP address/),
    });
    expect(actions.filter((a) => a.route === 'ops security deny-list --json')).toHaveLength(0);
  });
});
