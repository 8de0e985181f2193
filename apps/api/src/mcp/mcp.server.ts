import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ActiveUsersService } from '@app/cache';
import { normalizeIp, RateLimitedError, UnauthorizedError } from '@app/common';
import { AuthenticatedRequest, AuthUser, BearerAuthService } from '@app/identity';
import { McpRateLimits } from './mcp-rate-limits';
import { McpTools } from './mcp-tools';

/** The path of the Model Context Protocol endpoint (Streamable HTTP). */
export const MCP_PATH = '/mcp';

/** A JSON-RPC error body (the transport's own refusals have the same shape). */
const rpcError = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

/**
 * The MCP server (Model Context Protocol, Streamable HTTP) at /mcp: a raw Fastify route, like
 * CalDAV's, so the SDK's transport sees the request as sent. Stateless: every POST gets a new
 * McpServer and transport (nothing to share between replicas), answered as JSON rather than an SSE
 * stream. Signed in with the API's own bearer access tokens; the tools act as the caller, through
 * the same services (and so the same permission check) as the REST routes. Through Fastify's
 * reply, so the security hooks (deny list, rate limit), request ids and metrics apply as elsewhere.
 */
@Injectable()
export class McpHttpServer implements OnModuleInit {
  private readonly logger = new Logger(McpHttpServer.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly bearer: BearerAuthService,
    private readonly activeUsers: ActiveUsersService,
    private readonly tools: McpTools,
    private readonly limits: McpRateLimits,
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
    let user: AuthUser;
    try {
      const header = request.headers.authorization;
      user = await this.bearer.authenticate(typeof header === 'string' ? header : undefined, {
        ip: normalizeIp(request.ip),
      });
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer')
        .send(rpcError(-32001, 'Unauthorized: send Authorization: Bearer <access token>'));
    }
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
    // Stateless: no session to resume, so no server-to-client stream and no session to end.
    if (request.method !== 'POST')
      return reply.status(405).header('allow', 'POST').send(rpcError(-32000, 'Method not allowed.'));

    const server = this.tools.serverFor(user);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    try {
      await server.connect(transport);
      const response = await transport.handleRequest(toWebRequest(request), { parsedBody: request.body });
      reply.status(response.status);
      response.headers.forEach((value, name) => void reply.header(name, value));
      return reply.send(await response.text());
    } catch (err) {
      this.logger.error(`MCP request failed: ${(err as Error).message}`);
      return reply.status(500).send(rpcError(-32603, 'Internal error'));
    } finally {
      void server.close().catch(() => undefined);
    }
  }
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
