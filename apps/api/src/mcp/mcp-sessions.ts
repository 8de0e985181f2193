import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { McpCaller } from './mcp-tools';

/** At most this many sessions per replica; a new one beyond it ends the longest idle. */
export const MAX_MCP_SESSIONS = 1000;
/** At most this many per account, so one account's clients cannot push everyone else's out. */
export const MAX_MCP_SESSIONS_PER_USER = 10;
/** A session unused this long is ended (its client re-initializes on the 404). */
export const MCP_SESSION_IDLE_MS = 30 * 60_000;
const SWEEP_EVERY_MS = 60_000;

export interface McpSession {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  /** The caller it was opened for: each later request must be the same account and scope. */
  caller: McpCaller;
  lastUsed: number;
}

/**
 * The MCP sessions of this replica, kept only for clients that declared elicitation (the server
 * asks them to confirm during a tool call, which needs a stream back). In memory, bounded, ended
 * when idle; an id this replica does not know — another replica's, an ended one — is a 404, on
 * which the client initializes again (the protocol's own recovery), so no shared store is needed.
 */
@Injectable()
export class McpSessions implements OnModuleDestroy {
  private readonly logger = new Logger(McpSessions.name);
  private readonly sessions = new Map<string, McpSession>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();

  get size(): number {
    return this.sessions.size;
  }

  add(id: string, session: Omit<McpSession, 'lastUsed'>, now = Date.now()): void {
    const entries = [...this.sessions.entries()];
    const theirs = entries.filter(([, s]) => s.caller.user.id === session.caller.user.id);
    if (theirs.length >= MAX_MCP_SESSIONS_PER_USER)
      void this.end(idlest(theirs), "the most idle of the account's sessions");
    else if (this.sessions.size >= MAX_MCP_SESSIONS)
      void this.end(idlest(entries), 'the most idle of too many sessions');
    this.sessions.set(id, { ...session, lastUsed: now });
  }

  /** The caller's session by id, or null: unknown, ended, or another account's or scope's (no hint which). */
  find(id: string, caller: McpCaller, now = Date.now()): McpSession | null {
    const session = this.sessions.get(id);
    if (!session || session.caller.user.id !== caller.user.id || session.caller.scope !== caller.scope)
      return null;
    session.lastUsed = now;
    // Audit records name the address of the request at hand.
    session.caller.ip = caller.ip;
    return session;
  }

  /** Forgets a session the transport ended (a DELETE from its client). */
  forget(id: string): void {
    this.sessions.delete(id);
  }

  sweep(now = Date.now()): void {
    for (const [id, s] of this.sessions) if (now - s.lastUsed >= MCP_SESSION_IDLE_MS) this.end(id, 'idle');
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.keys()].map((id) => this.end(id, 'shutdown')));
  }

  private async end(id: string, why: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.logger.debug(`MCP session ended (${why})`);
    await session.transport.close().catch(() => undefined);
    await session.server.close().catch(() => undefined);
  }
}

/** The id of the least recently used of these sessions. */
const idlest = (entries: [string, McpSession][]): string =>
  entries.reduce((a, b) => (b[1].lastUsed < a[1].lastUsed ? b : a))[0];
