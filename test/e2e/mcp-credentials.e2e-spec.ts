import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { AuditService } from '@app/audit';
import { callTool, Json, mcpHttpTransport } from '../support/mcp';
import { localDay, wallClock } from '../support/local-time';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { createAppPassword, registerUser, TestUser } from '../support/users';

const ZONE = 'America/New_York';
const at = (days: number, hour: number) => wallClock(localDay(ZONE, days), `${hour}:00`);

/**
 * /mcp signed in with app passwords (HTTP Basic as CalDAV, or the password as the bearer value):
 * a read-scope one gets the reading tools only; writing tool calls are in the audit log.
 */
describe('MCP credentials (app passwords, read scope) and the audit of MCP writes', () => {
  let api: TestApi;
  let alice: TestUser;
  const clients: Client[] = [];

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    alice = await registerUser(api, { timeZone: ZONE });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await api?.close();
  });

  const appPassword = (u: TestUser, scope: 'read' | 'write') =>
    createAppPassword(api, u, { name: `mcp ${scope}`, scope });
  const basic = (email: string, password: string) =>
    `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
  async function connect(authorization: string): Promise<Client> {
    const client = new Client({ name: 'mcp-credentials-e2e', version: '1.0.0' });
    await client.connect(mcpHttpTransport(api.baseUrl, authorization));
    clients.push(client);
    return client;
  }
  const call = callTool;
  const mcpWrites = async (userId: string) =>
    (await api.app.get(AuditService).list({ limit: 200, type: 'mcp_write' })).filter(
      (e) => e.userId === userId,
    );

  it('a write-scope app password signs in as HTTP Basic (email + password) and as the bearer value', async () => {
    const { password } = await appPassword(alice, 'write');
    for (const authorization of [basic(alice.email, password), `Bearer ${password}`]) {
      const client = await connect(authorization);
      const { calendars } = await call(client, 'list_calendars');
      expect(calendars).toEqual([expect.objectContaining({ id: alice.id, role: 'owner' })]);
    }
    const created = await call(await connect(`Bearer ${password}`), 'create_event', {
      title: 'Via app password',
      start: at(2, 10),
    });
    expect(created.event).toMatchObject({ title: 'Via app password' });
  });

  it('a wrong or revoked app password is refused with 401, as Basic and as Bearer', async () => {
    const created = await appPassword(alice, 'write');
    const wrong = created.password.slice(0, -4) + 'AAAA';
    for (const authorization of [basic(alice.email, wrong), `Bearer ${wrong}`])
      await expect(connect(authorization)).rejects.toThrow(/Unauthorized/);
    const revoked = await api.request(`/v1/me/app-passwords/${created.id}`, {
      method: 'DELETE',
      token: alice.token,
    });
    expect(revoked.status).toBe(204);
    await expect(connect(`Bearer ${created.password}`)).rejects.toThrow(/Unauthorized/);
    // Another account's email with this password is no sign-in either.
    const bob = await registerUser(api);
    const { password } = await appPassword(alice, 'write');
    await expect(connect(basic(bob.email, password))).rejects.toThrow(/Unauthorized/);
  });

  it('a read-scope app password reads, and every writing tool is refused with a clear tool error', async () => {
    const u = await registerUser(api, { timeZone: ZONE });
    const mine = await call(await connect(`Bearer ${u.token}`), 'create_event', {
      title: 'Team lunch',
      start: at(3, 12),
    });
    const eventId = mine.event.id as string;
    const { password } = await appPassword(u, 'read');
    const reader = await connect(`Bearer ${password}`);

    expect((await call(reader, 'list_calendars')).calendars).toHaveLength(1);
    expect((await call(reader, 'get_event', { id: eventId })).event.title).toBe('Team lunch');
    const listed = await call(reader, 'list_events', { from: at(3, 0), to: at(4, 0) });
    expect(listed.events.map((e: Json) => e.title)).toEqual(['Team lunch']);
    expect(await call(reader, 'check_availability', { from: at(3, 12), to: at(3, 13) })).toMatchObject({
      available: false,
    });

    const refusals: [string, Json][] = [
      ['create_event', { title: 'Sneaky', start: at(5, 9) }],
      ['update_event', { id: eventId, start: at(3, 14) }],
      ['cancel_event', { id: eventId }],
      ['respond_to_invitation', { id: eventId, response: 'declined' }],
      ['confirm_changeset', { id: '0123456789abcdef01234567', token: 'x' }],
      ['undo_changeset', { id: '0123456789abcdef01234567' }],
    ];
    for (const [tool, args] of refusals) {
      expect(await call(reader, tool, args)).toEqual({
        isError: true,
        error: { code: 'forbidden', message: expect.stringMatching(new RegExp(`read-only.*${tool}`)) },
      });
    }

    // ask_assistant: a cancel is only previewed (its confirmation is refused); a create is refused.
    const asked = await call(reader, 'ask_assistant', { text: 'Cancel my team lunch' });
    expect(asked).toMatchObject({ outcome: 'preview', changeset: { kind: 'cancel', state: 'previewed' } });
    expect(
      (await call(reader, 'confirm_changeset', { id: asked.changeset.id, token: asked.changeset.token }))
        .error.code,
    ).toBe('forbidden');
    const create = await call(reader, 'ask_assistant', { text: 'Add gym tomorrow at 6pm' });
    expect(create).toMatchObject({ isError: true, error: { code: 'forbidden', message: /read-only/ } });

    // Nothing changed: the one event, as it was.
    const after = await api.request(
      `/v1/events?from=${encodeURIComponent(at(-1, 0))}&to=${encodeURIComponent(at(10, 0))}`,
      { token: u.token },
    );
    expect(after.body.items.map((e: Json) => [e.title, e.start])).toEqual([
      ['Team lunch', new Date(at(3, 12)).toISOString()],
    ]);
  });

  it('audits MCP writes like REST writes: tool, caller, ids and outcome, never the arguments’ text', async () => {
    const u = await registerUser(api, { timeZone: ZONE });
    const client = await connect(`Bearer ${u.token}`);
    const secretish = 'Salary talk with the CFO';
    const { event } = await call(client, 'create_event', { title: secretish, start: at(4, 15) });
    const { changeset } = await call(client, 'cancel_event', { id: event.id });
    await call(client, 'confirm_changeset', { id: changeset.id, token: 'wrong-token' });
    // Reads are not audited.
    await call(client, 'list_calendars');

    const entries = await mcpWrites(u.id);
    expect(entries.map((e) => [e.route, e.outcome]).reverse()).toEqual([
      ['/mcp tools/call create_event', 'success'],
      ['/mcp tools/call cancel_event', 'success'],
      ['/mcp tools/call confirm_changeset', 'failure'],
    ]);
    const [failed, cancelled, created] = entries;
    expect(created).toMatchObject({ actor: u.id, ip: expect.any(String), reason: `event=${event.id}` });
    expect(cancelled.reason).toBe(`event=${event.id} changeset=${changeset.id}`);
    expect(failed.reason).toBe(`changeset=${changeset.id} error=not_found`);
    expect(JSON.stringify(entries)).not.toContain('Salary');
    expect(JSON.stringify(entries)).not.toContain('wrong-token');
  });
});
