import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { OPS_ENTRY, ROOT } from './cli';

export type Json = Record<string, any>;

/** The SDK's Streamable HTTP transport to the API's /mcp, sending `authorization` (Bearer or Basic). */
export const mcpHttpTransport = (baseUrl: string, authorization: string) =>
  new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { authorization } },
  });

/** The SDK's stdio transport to `ops mcp` (the built CLI) bridging to the API's /mcp, signed in with `token`. */
export const mcpBridgeTransport = (baseUrl: string, token: string, opts: { stderr?: 'pipe' } = {}) =>
  new StdioClientTransport({
    command: process.execPath,
    args: [OPS_ENTRY, 'mcp', '--token-env', 'CALENDAR_TOKEN', '--url', `${baseUrl}/mcp`],
    cwd: ROOT,
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', CALENDAR_TOKEN: token },
    ...opts,
  });

/**
 * Calls a tool: its structured result, checked to be the same JSON as its text content (for clients
 * that read only content), or its error as `{ isError: true, … }` when the tool refused.
 */
export async function callTool(client: Client, name: string, args: Json = {}): Promise<Json> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (result.content[0] as { text: string }).text;
  if (result.isError) return { isError: true, ...(JSON.parse(text) as Json) };
  expect(JSON.parse(text)).toEqual(result.structuredContent);
  return result.structuredContent as Json;
}
