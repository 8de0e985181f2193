import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { callTool, mcpHttpTransport } from '../support/mcp';
import { localDay, wallClock } from '../support/local-time';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const ZONE = 'Europe/Paris';
const at = (days: number, hour: number) => wallClock(localDay(ZONE, days), `${hour}:00`);

/**
 * Confirmations by MCP elicitation: a client that declares the capability gets a session, and
 * update_event / cancel_event ask it to confirm during the call (accepted → applied, declined →
 * nothing applied); a client without it keeps the stateless change-set token flow.
 */
describe('MCP elicitation: confirming changes in the client', () => {
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

  /** A client that answers every confirmation with `action`, recording what it was asked. */
  async function elicitingClient(u: TestUser, action: ElicitResult['action']) {
    const asked: string[] = [];
    const client = new Client(
      { name: 'mcp-elicit-e2e', version: '1.0.0' },
      { capabilities: { elicitation: {} } },
    );
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params.message);
      return { action };
    });
    const transport = mcpHttpTransport(api.baseUrl, `Bearer ${u.token}`);
    await client.connect(transport);
    clients.push(client);
    return { client, transport, asked };
  }
  const call = callTool;
  const stored = (u: TestUser, id: string) => api.request(`/v1/events/${id}`, { token: u.token });

  it('accepted: update_event and cancel_event apply at once and return the event as stored; undo still works', async () => {
    const u = await registerUser(api, { timeZone: ZONE });
    const { client, transport, asked } = await elicitingClient(u, 'accept');
    expect(transport.sessionId).toEqual(expect.any(String));
    const { event } = await call(client, 'create_event', { title: 'Planning', start: at(3, 9) });

    const updated = await call(client, 'update_event', {
      id: event.id,
      title: 'Planning (v2)',
      start: at(3, 14),
    });
    expect(updated.changeset).toMatchObject({ kind: 'edit', state: 'confirmed' });
    expect(updated.changeset.token).toBeUndefined();
    expect(updated.events[0]).toMatchObject({ id: event.id, title: 'Planning (v2)' });
    expect(updated.events[0].start.utc).toBe(new Date(at(3, 14)).toISOString());
    expect(asked[0]).toMatch(/^Update "Planning": title/);
    expect(asked[0]).toMatch(/"Planning" → "Planning \(v2\)"/);
    expect((await stored(u, event.id)).body.title).toBe('Planning (v2)');

    const cancelled = await call(client, 'cancel_event', { id: event.id });
    expect(cancelled.changeset).toMatchObject({ kind: 'cancel', state: 'confirmed' });
    expect((await stored(u, event.id)).status).toBe(404);
    await call(client, 'undo_changeset', { id: cancelled.changeset.id });
    expect((await stored(u, event.id)).status).toBe(200);
    expect(asked).toHaveLength(2);
  });

  it('declined: nothing is applied and the change set is discarded', async () => {
    const u = await registerUser(api, { timeZone: ZONE });
    const { client, asked } = await elicitingClient(u, 'decline');
    const { event } = await call(client, 'create_event', { title: 'Dentist', start: at(4, 10) });
    const declined = await call(client, 'cancel_event', { id: event.id });
    expect(declined).toMatchObject({
      reply: expect.stringMatching(/declined/),
      changeset: { kind: 'cancel', state: 'discarded' },
    });
    expect(asked).toEqual([expect.stringMatching(/^Cancel "Dentist"/)]);
    expect((await stored(u, event.id)).status).toBe(200);

    const moved = await call(client, 'update_event', { id: event.id, start: at(4, 16) });
    expect(moved.changeset.state).toBe('discarded');
    expect((await stored(u, event.id)).body.start).toBe(new Date(at(4, 10)).toISOString());
  });

  it('a client without elicitation keeps the stateless flow: no session, a preview with a token', async () => {
    const client = new Client({ name: 'plain', version: '1.0.0' });
    const transport = mcpHttpTransport(api.baseUrl, `Bearer ${alice.token}`);
    await client.connect(transport);
    clients.push(client);
    expect(transport.sessionId).toBeUndefined();
    const { event } = await call(client, 'create_event', { title: 'Gym', start: at(5, 7) });
    const { changeset } = await call(client, 'cancel_event', { id: event.id });
    expect(changeset).toMatchObject({ state: 'previewed', token: expect.any(String) });
    expect((await stored(alice, event.id)).status).toBe(200);
  });

  it("sessions are the caller's: another user's session id, or an unknown one, is 404 (initialize again)", async () => {
    const { transport } = await elicitingClient(alice, 'accept');
    const bob = await registerUser(api, { timeZone: ZONE });
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const headers = (sessionId: string) => ({
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-06-18',
    });
    const theirs = await api.request('/mcp', {
      method: 'POST',
      token: bob.token,
      json: list,
      headers: headers(transport.sessionId as string),
    });
    const unknown = await api.request('/mcp', {
      method: 'POST',
      token: alice.token,
      json: list,
      headers: headers('00000000-0000-4000-8000-000000000000'),
    });
    for (const res of [theirs, unknown]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32001, message: expect.any(String) },
      });
    }
    expect(theirs.body).toEqual(unknown.body);
    // Without a token, the session id alone is nothing.
    const anonymous = await api.request('/mcp', {
      method: 'POST',
      json: list,
      headers: headers(transport.sessionId as string),
    });
    expect(anonymous.status).toBe(401);
  });
});
