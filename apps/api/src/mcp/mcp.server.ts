import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ActiveUsersService } from '@app/cache';
import { normalizeIp, RateLimitedError, UnauthorizedError } from '@app/common';
import { AppPasswordService, AuthenticatedRequest, BearerAuthService } from '@app/identity';
import { McpRateLimits } from './mcp-rate-limits';
import { McpSessions } from './mcp-sessions';
import { McpCaller, McpTools } from './mcp-tools';

/** The path of the Model Context Protocol endpoint (Streamable HTTP). */
export const MCP_PATH = '/mcp';
const SESSION_HEADER = 'mcp-session-id';

/** A JSON-RPC error body (the transport's own refusals have the same shape). */
const rpcError = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

/**
 * The MCP server (Model Context Protocol, Streamable HTTP) at /mcp: a raw Fastify route, like
 * CalDAV's, so the SDK's transport sees the request as sent. Stateless: every POST gets a new
 * McpServer and transport (nothing to share between replicas), answered as JSON rather than an SSE
 * stream — except for clients that declare elicitation, which get a session (McpSessions) so a
 * change can be confirmed in the client during the call. Signed in with the API's own bearer access tokens, or an app password — as HTTP Basic
 * (email + app password, as CalDAV) or as `Bearer <app password>` (an MCP client's static header);
 * a `read`-scope app password gets the reading tools only. The tools act as the caller, through
 * the same services (and so the same permission check) as the REST routes. Through Fastify's
 * reply, so the security hooks (deny list, rate limit), request ids and metrics apply as elsewhere.
 */
@Injectable()
export class McpHttpServer implements OnModuleInit {
  private readonly logger = new Logger(McpHttpServer.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly bearer: BearerAuthService,
    private readonly appPasswords: AppPasswordService,
    private readonly activeUsers: ActiveUsersService,
    private readonly tools: McpTools,
    private readonly limits: McpRateLimits,
    private readonly sessions: McpSessions,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.route) return;
    fastify.route({
      method: ['POST', 'GET', 'DELETE'],
      url: MCP_PATH,
      handler: (request, reply) => this.handle(request, reply),
    });
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    let caller: McpCaller;
    try {
      caller = await this.authenticate(request);
    } catch (err) {
      if (err instanceof RateLimitedError)
        return reply
          .status(429)
          .header('retry-after', String(err.retryAfterSeconds))
          .send(rpcError(-32029, err.message));
      if (!(err instanceof UnauthorizedError)) throw err;
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer')
        .send(
          rpcError(
            -32001,
            'Unauthorized: send Authorization: Bearer <access token or app password>, or HTTP Basic with your email and an app password',
          ),
        );
    }
    const { user } = caller;
    // As AuthGuard does: the caller on the request (logs, audit hooks) and counted as active.
    (request as FastifyRequest & AuthenticatedRequest).user = user;
    this.activeUsers.touch(user.id);
    try {
      await this.limits.hit(user.id, 'user');
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      return reply
        .status(429)
        .header('retry-after', String(err.retryAfterSeconds))
        .send(rpcError(-32029, err.message));
    }
    const sessionId = request.headers[SESSION_HEADER];
    if (typeof sessionId === 'string') return this.inSession(sessionId, caller, request, reply);
    if (request.method === 'POST' && declaresElicitation(request.body))
      return this.openSession(caller, request, reply);
    // Stateless: no session to resume, so no server-to-client stream and no session to end.
    if (request.method !== 'POST')
      return reply.status(405).header('allow', 'POST').send(rpcError(-32000, 'Method not allowed.'));

    const server = this.tools.serverFor(caller);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    try {
      await server.connect(transport);
      const response = await transport.handleRequest(toWebRequest(request), { parsedBody: request.body });
      return await send(reply, response);
    } catch (err) {
      this.logger.error(`MCP request failed: ${(err as Error).message}`);
      return reply.status(500).send(rpcError(-32603, 'Internal error'));
    } finally {
      void server.close().catch(() => undefined);
    }
  }

  /**
   * An initialize from a client that declares elicitation: a session (this replica's memory), so
   * update_event and cancel_event can ask it to confirm during the call, on the call's own SSE
   * stream. Bound to the caller; ended by DELETE, idleness or shutdown.
   */
  private async openSession(
    caller: McpCaller,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    const server = this.tools.serverFor(caller);
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => this.sessions.add(id, { server, transport, caller }),
      onsessionclosed: (id) => this.sessions.forget(id),
    });
    try {
      await server.connect(transport);
      return await send(
        reply,
        await transport.handleRequest(toWebRequest(request), { parsedBody: request.body }),
      );
    } catch (err) {
      this.logger.error(`MCP session start failed: ${(err as Error).message}`);
      void server.close().catch(() => undefined);
      return reply.status(500).send(rpcError(-32603, 'Internal error'));
    }
  }

  /** A request in a session: 404 when this replica has none of the caller's by that id (initialize again). */
  private async inSession(
    id: string,
    caller: McpCaller,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    const session = this.sessions.find(id, caller);
    if (!session)
      return reply.status(404).send(rpcError(-32001, 'Session not found: initialize a new session.'));
    // Confirmations travel on each call's own stream: no standalone server-to-client stream.
    if (request.method === 'GET')
      return reply.status(405).header('allow', 'POST, DELETE').send(rpcError(-32000, 'Method not allowed.'));
    const response = await session.transport.handleRequest(toWebRequest(request), {
      parsedBody: request.body,
    });
    return send(reply, response);
  }

  /**
   * Who calls, with what right: an app password (HTTP Basic with the email, as CalDAV, or as the
   * bearer value; its scope decides) or an access token (full rights). Throws UnauthorizedError,
   * or RateLimitedError for an app password under the sign-in back-off.
   */
  private async authenticate(request: FastifyRequest): Promise<McpCaller> {
    const header =
      typeof request.headers.authorization === 'string' ? request.headers.authorization : undefined;
    const client = { ip: normalizeIp(request.ip) };
    const viaAppPassword =
      (await this.appPasswords.authenticateBasic(header, client)) ??
      (await this.appPasswords.authenticateBearer(header, client));
    if (viaAppPassword) return { user: viaAppPassword.user, scope: viaAppPassword.scope, ip: client.ip };
    return { user: await this.bearer.authenticate(header, client), scope: 'write', ip: client.ip };
  }
}

/** An initialize request whose client can answer elicitations (confirm a change in its UI). */
function declaresElicitation(body: unknown): boolean {
  const message = body as { method?: unknown; params?: { capabilities?: { elicitation?: unknown } } } | null;
  return message?.method === 'initialize' && Boolean(message.params?.capabilities?.elicitation);
}

/** The transport's answer through Fastify's reply: JSON as text, an SSE stream as a stream. */
async function send(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  reply.status(response.status);
  response.headers.forEach((value, name) => void reply.header(name, value));
  if (response.body && response.headers.get('content-type')?.startsWith('text/event-stream'))
    return reply.send(Readable.fromWeb(response.body as unknown as NodeReadableStream));
  return reply.send(await response.text());
}

/** The Fetch API request the SDK's transport reads (the body is passed parsed, beside it). */
function toWebRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return new Request(`http://${request.hostname || 'localhost'}${request.url}`, {
    method: request.method,
    headers,
  });
}
