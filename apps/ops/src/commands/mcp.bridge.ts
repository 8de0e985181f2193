import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  type JSONRPCMessage,
  isInitializeRequest,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';

export interface McpBridgeOptions {
  /** The API's MCP endpoint, e.g. https://calendar.example.com/mcp. */
  url: URL;
  /** An access token or app password, sent as `Authorization: Bearer …`; never printed. */
  token: string;
  /** Where diagnostics go (never stdout: it carries only JSON-RPC). */
  log: (line: string) => void;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
}

/**
 * The stdio bridge: a local agent speaks MCP on this process's stdin/stdout, and every JSON-RPC
 * message is forwarded as is to the API's Streamable HTTP endpoint, and every message from it
 * (responses, and the server's own requests such as elicitations) back to stdout. A thin proxy
 * rather than a client and a server of its own: whatever the API offers — tools, resources,
 * elicitation, a capability added later — passes through unchanged, and the API stays the one
 * place that decides. Resolves when stdin ends.
 */
export async function runMcpBridge(options: McpBridgeOptions): Promise<void> {
  const stdio = new StdioServerTransport(
    options.stdin as NodeJS.ReadStream | undefined,
    options.stdout as NodeJS.WriteStream | undefined,
  );
  const http = new StreamableHTTPClientTransport(options.url, {
    requestInit: { headers: { authorization: `Bearer ${options.token}` } },
  });
  const reply = (message: JSONRPCMessage) =>
    stdio.send(message).catch((err: Error) => options.log(`mcp bridge: stdout: ${err.message}`));

  const initializing = new Set<string | number>();
  http.onmessage = (message) => {
    // The protocol version agreed at initialize goes on every later request, as the SDK client does.
    if (isJSONRPCResultResponse(message) && initializing.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') http.setProtocolVersion(version);
    }
    void reply(message);
  };
  http.onerror = (err) => options.log(`mcp bridge: ${describe(err)}`);
  // Requests still on their way when stdin ends are answered before the bridge exits.
  const inFlight = new Set<Promise<void>>();
  stdio.onmessage = (message) => {
    if (isInitializeRequest(message) && isJSONRPCRequest(message)) initializing.add(message.id);
    const sent = http
      .send(message)
      .catch((err: unknown) => {
        // A request the API refused (401, 404, unreachable) still gets its answer, so the agent
        // shows why instead of waiting; a notification's refusal is only logged.
        if (!isJSONRPCRequest(message)) return;
        return reply({ jsonrpc: '2.0', id: message.id, error: { code: -32001, message: describe(err) } });
      })
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  };
  stdio.onerror = (err) => options.log(`mcp bridge: stdin: ${err.message}`);

  const ended = new Promise<void>((resolve) => {
    const stdin = options.stdin ?? process.stdin;
    stdin.once('end', resolve);
    stdin.once('close', resolve);
  });
  await http.start();
  await stdio.start();
  await ended;
  await Promise.all([...inFlight]);
  // A session the API keeps (elicitation) ends with the bridge; a stateless one has none.
  if (http.sessionId) await http.terminateSession().catch(() => undefined);
  await Promise.all([http.close(), stdio.close()]);
}

/** One line for an HTTP refusal: the JSON-RPC message the API sent, else the transport's. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof StreamableHTTPError) {
    const body = err.message.replace(/^(Streamable HTTP error: )?Error POSTing to endpoint: /, '').trim();
    try {
      const parsed = JSON.parse(body) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') return `HTTP ${err.code}: ${parsed.error.message}`;
    } catch {
      /* not JSON */
    }
    return `HTTP ${err.code}: ${body}`;
  }
  const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
  return cause ? `${err.message} (${cause})` : err.message;
}
