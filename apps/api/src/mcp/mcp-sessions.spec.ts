import { Logger } from '@nestjs/common';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  MAX_MCP_SESSIONS,
  MAX_MCP_SESSIONS_PER_USER,
  MCP_SESSION_IDLE_MS,
  McpSessions,
} from './mcp-sessions';
import type { McpCaller } from './mcp-tools';

const caller = (id: string, scope: 'read' | 'write' = 'write'): McpCaller => ({
  user: {
    id,
    email: `${id}@example.com`,
    name: id,
    timeZone: 'UTC',
    workingHours: {},
    role: 'user',
  } as never,
  scope,
  ip: '127.0.0.1',
});

/** A session whose transport and server record being closed. */
function session(who: McpCaller, closed: string[], name: string) {
  return {
    caller: who,
    transport: {
      close: () => Promise.resolve(void closed.push(`transport ${name}`)),
    } as unknown as WebStandardStreamableHTTPServerTransport,
    server: { close: () => Promise.resolve(void closed.push(`server ${name}`)) } as unknown as McpServer,
  };
}

describe('McpSessions: bounded, idle-expiring, bound to the caller', () => {
  let sessions: McpSessions;
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));
  beforeEach(() => (sessions = new McpSessions()));
  afterEach(() => sessions.onModuleDestroy());

  it("finds a session only for the account and scope that opened it; another's is as unknown", () => {
    const closed: string[] = [];
    sessions.add('s1', session(caller('alice'), closed, 's1'));
    expect(sessions.find('s1', caller('alice'))).not.toBeNull();
    expect(sessions.find('s1', caller('bob'))).toBeNull();
    expect(sessions.find('s1', caller('alice', 'read'))).toBeNull();
    expect(sessions.find('nope', caller('alice'))).toBeNull();
  });

  it('ends sessions idle for 30 minutes (transport and server closed); a used one stays', async () => {
    const closed: string[] = [];
    const t0 = 1_000_000;
    sessions.add('idle', session(caller('alice'), closed, 'idle'), t0);
    sessions.add('busy', session(caller('alice'), closed, 'busy'), t0);
    sessions.find('busy', caller('alice'), t0 + MCP_SESSION_IDLE_MS - 1);
    sessions.sweep(t0 + MCP_SESSION_IDLE_MS);
    await Promise.resolve();
    expect(sessions.find('idle', caller('alice'))).toBeNull();
    expect(sessions.find('busy', caller('alice'))).not.toBeNull();
    expect(closed).toEqual(['transport idle']);
  });

  it('holds at most MAX_MCP_SESSIONS: a new one ends the most idle', () => {
    const closed: string[] = [];
    // Many accounts, each under its own cap.
    const who = (i: number) => caller(`user${i % 200}`);
    for (let i = 0; i < MAX_MCP_SESSIONS; i++)
      sessions.add(`s${i}`, session(who(i), closed, `s${i}`), 10 + i);
    sessions.find('s0', who(0), 5_000);
    sessions.add('new', session(caller('newcomer'), closed, 'new'), 6_000);
    expect(sessions.size).toBe(MAX_MCP_SESSIONS);
    expect(sessions.find('s1', who(1))).toBeNull();
    expect(sessions.find('s0', who(0))).not.toBeNull();
    expect(sessions.find('new', caller('newcomer'))).not.toBeNull();
  });

  it("holds at most MAX_MCP_SESSIONS_PER_USER per account: a new one ends that account's most idle, no one else's", () => {
    const closed: string[] = [];
    sessions.add('bob', session(caller('bob'), closed, 'bob'), 1);
    for (let i = 0; i < MAX_MCP_SESSIONS_PER_USER; i++)
      sessions.add(`a${i}`, session(caller('alice'), closed, `a${i}`), 10 + i);
    sessions.find('a0', caller('alice'), 5_000);
    sessions.add('a-new', session(caller('alice'), closed, 'a-new'), 6_000);
    expect(sessions.size).toBe(MAX_MCP_SESSIONS_PER_USER + 1);
    expect(sessions.find('a1', caller('alice'))).toBeNull();
    expect(sessions.find('a0', caller('alice'))).not.toBeNull();
    expect(sessions.find('a-new', caller('alice'))).not.toBeNull();
    expect(sessions.find('bob', caller('bob'))).not.toBeNull();
  });
});
