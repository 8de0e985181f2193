import { ValidationError } from '@app/common';
import { Command, Option } from 'nest-commander';
import { OpsCommand } from '../cli/ops-command';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface McpFlags {
  tokenEnv?: string;
  url?: string;
}

/**
 * `ops mcp`: the stdio entry point of the MCP server. A local agent starts it as its MCP server;
 * it bridges the agent's stdin/stdout to a running API's /mcp, signed in with the credential in
 * the named environment variable (never on the command line, never printed). Nothing but
 * JSON-RPC on stdout; diagnostics on stderr. Needs no database and no cache.
 */
@Command({
  name: 'mcp',
  description:
    "bridge a local MCP client's stdio to a running API's /mcp (JSON-RPC on stdout, diagnostics on stderr)",
})
export class McpCommand extends OpsCommand {
  @Option({
    flags: '--token-env <name>',
    description: 'the environment variable holding an access token or app password (sent as Bearer)',
    required: true,
  })
  parseTokenEnv(value: string): string {
    if (!ENV_NAME.test(value))
      throw new ValidationError(`--token-env must name an environment variable (got "${value}")`);
    return value;
  }

  @Option({
    flags: '--url <url>',
    description: "the API's MCP endpoint, e.g. https://calendar.example.com/mcp",
    required: true,
  })
  parseUrl(value: string): string {
    return value;
  }

  async run(_args: string[], flags: McpFlags): Promise<void> {
    const name = flags.tokenEnv as string;
    const token = process.env[name];
    if (!token?.trim())
      throw new ValidationError(`the environment variable ${name} (--token-env) is not set`);
    let url: URL;
    try {
      url = new URL(flags.url as string);
    } catch {
      throw new ValidationError(`--url must be an absolute http(s) URL such as https://host/mcp`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ValidationError(`--url must be an http(s) URL (got ${url.protocol})`);
    // Loaded here, not at the top: every other ops command would pay for the MCP SDK at start.
    const { runMcpBridge } = await import('./mcp.bridge');
    await runMcpBridge({ url, token: token.trim(), log: (line) => process.stderr.write(line + '\n') });
  }
}
