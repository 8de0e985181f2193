import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { runOps } from '../support/cli';
import { Json, mcpBridgeTransport } from '../support/mcp';
import { localDay, wallClock } from '../support/local-time';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const ZONE = 'Europe/Berlin';

/**
 * `ops mcp`, the stdio entry point: the SDK's own Client over StdioClientTransport spawns the built
 * ops CLI, which bridges it to a running API's /mcp.
 */
describe('MCP stdio bridge (ops mcp --token-env VAR --url URL)', () => {
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

  /** A client whose server is the bridge, signed in with `token` through CALENDAR_TOKEN. */
  function bridged(token: string): { client: Client; transport: StdioClientTransport; stderr: () => string } {
    const transport = mcpBridgeTransport(api.baseUrl, token, { stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += String(d)));
    const client = new Client({ name: 'mcp-stdio-e2e', version: '1.0.0' });
    clients.push(client);
    return { client, transport, stderr: () => stderr };
  }
  const structured = (r: unknown) => {
    const result = r as CallToolResult;
    expect(result.isError).toBeFalsy();
    return result.structuredContent as Json;
  };

  it('lists the tools and calls list_calendars and create_event as the token holder', async () => {
    const { client, transport, stderr } = bridged(alice.token);
    const protocolErrors: Error[] = [];
    client.onerror = (err) => protocolErrors.push(err);
    await client.connect(transport);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['list_calendars', 'create_event', 'update_event', 'confirm_changeset']),
    );
    const { calendars } = structured(await client.callTool({ name: 'list_calendars', arguments: {} }));
    expect(calendars).toEqual([expect.objectContaining({ id: alice.id, role: 'owner', primary: true })]);

    const start = wallClock(localDay(ZONE, 2), '09:00');
    const { event } = structured(
      await client.callTool({
        name: 'create_event',
        arguments: { title: 'Bridged standup', start },
      }),
    );
    expect(event).toMatchObject({ title: 'Bridged standup', start: { timeZone: ZONE } });
    // Stored in the API, as its REST route shows.
    const stored = await api.request(`/v1/events/${event.id}`, { token: alice.token });
    expect(stored.status).toBe(200);
    expect(stored.body.title).toBe('Bridged standup');

    // Nothing but JSON-RPC on stdout (the client would have reported a line it could not parse), and
    // the token never on stderr.
    expect(protocolErrors).toEqual([]);
    expect(stderr()).not.toContain(alice.token);
  });

  it("passes the API's confirmation requests (elicitation) through: an accepted cancel is applied", async () => {
    const { transport } = bridged(alice.token);
    const client = new Client(
      { name: 'mcp-stdio-elicit', version: '1.0.0' },
      { capabilities: { elicitation: {} } },
    );
    clients.push(client);
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params.message);
      return { action: 'accept' };
    });
    await client.connect(transport);
    const start = wallClock(localDay(ZONE, 3), '08:00');
    const { event } = structured(
      await client.callTool({
        name: 'create_event',
        arguments: { title: 'Bridged yoga', start },
      }),
    );
    const cancelled = structured(
      await client.callTool({ name: 'cancel_event', arguments: { id: event.id } }),
    );
    expect(cancelled.changeset).toMatchObject({ kind: 'cancel', state: 'confirmed' });
    expect(asked).toEqual([expect.stringMatching(/^Cancel "Bridged yoga"/)]);
    expect((await api.request(`/v1/events/${event.id}`, { token: alice.token })).status).toBe(404);
  });

  it('a bad token: the initialize is answered with the API refusal, naming it, and the token is never printed', async () => {
    const token = 'definitely-not-a-valid-token-12345';
    const { client, transport, stderr } = bridged(token);
    await expect(client.connect(transport)).rejects.toThrow(/HTTP 401: Unauthorized/);
    expect(stderr()).toMatch(/HTTP 401/);
    expect(stderr()).not.toContain(token);
  });

  it('answers every request on stdout as JSON-RPC lines, even when stdin ends right after them', async () => {
    const lines = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_calendars', arguments: {} } },
    ];
    const run = await runOps(
      ['mcp', '--token-env', 'CALENDAR_TOKEN', '--url', `${api.baseUrl}/mcp`],
      { CALENDAR_TOKEN: alice.token },
      lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    );
    expect(run.code).toBe(0);
    const out = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    expect(out.map((m) => m.jsonrpc)).toEqual(['2.0', '2.0']);
    expect(out.map((m) => m.id).sort()).toEqual([1, 2]);
    expect(out.find((m) => m.id === 2)?.result.structuredContent.calendars[0].id).toBe(alice.id);
  });

  it('usage errors exit 2 naming the problem: a missing variable, a bad URL, a missing option', async () => {
    const url = `${api.baseUrl}/mcp`;
    const unset = await runOps(['mcp', '--token-env', 'NO_SUCH_CALENDAR_TOKEN', '--url', url], {});
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/NO_SUCH_CALENDAR_TOKEN/);
    expect(unset.stdout).toBe('');

    const badUrl = await runOps(['mcp', '--token-env', 'CALENDAR_TOKEN', '--url', 'not a url'], {
      CALENDAR_TOKEN: alice.token,
    });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/--url/);
    expect(badUrl.stderr + badUrl.stdout).not.toContain(alice.token);

    const noUrl = await runOps(['mcp', '--token-env', 'CALENDAR_TOKEN'], { CALENDAR_TOKEN: alice.token });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/--url/);

    const help = await runOps(['mcp', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--token-env <name>/);
    expect(help.stdout).toMatch(/--url <url>/);
  });
});
