import { parseArgs } from 'node:util';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * `reprise mcp`: the MCP server over stdio for a local assistant. It holds no tools of its own:
 * every JSON-RPC message is relayed to the server's `/mcp` (Streamable HTTP) with the API token,
 * so the tools run in one place (mcp/server.ts), with the token's rights, and this process
 * needs no database, only the server's URL and a token.
 */
export async function mcpStdioCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' }, token: { type: 'string' } } });
  const url = values.url ?? env.REPRISE_URL;
  const token = values.token ?? env.REPRISE_TOKEN;
  if (!url || !token) {
    console.error('reprise: set REPRISE_URL and REPRISE_TOKEN (or pass --url and --token); see docs/mcp.md');
    return 2;
  }
  let endpoint: URL;
  try {
    endpoint = new URL('mcp', url.endsWith('/') ? url : `${url}/`);
  } catch {
    console.error(`reprise: REPRISE_URL is not a URL: ${url}`);
    return 2;
  }
  await relay(
    new StdioServerTransport(),
    new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  return 0;
}

/** Relays messages both ways until the assistant closes stdin; resolves then. */
async function relay(local: StdioServerTransport, remote: StreamableHTTPClientTransport): Promise<void> {
  const done = new Promise<void>((resolve) => {
    local.onclose = () => {
      void remote.close();
      resolve();
    };
    // The stdio transport does not watch for the end of its input: the assistant closing it ends the relay.
    process.stdin.once('end', () => void local.close());
  });
  local.onmessage = (message) => {
    remote.send(message).catch((err: unknown) => {
      const text = err instanceof Error ? err.message : String(err);
      console.error(`reprise mcp: ${text}`);
      // The assistant waits for an answer to each request: give it the failure as one.
      if (isJSONRPCRequest(message)) {
        void local.send({
          jsonrpc: '2.0',
          id: message.id,
          error: { code: -32000, message: `Reprise server unreachable or refused the token: ${text}` },
        });
      }
    });
  };
  remote.onmessage = (message: JSONRPCMessage) => {
    // Later requests carry the negotiated protocol version, as the SDK's own client sends them.
    if (isJSONRPCResultResponse(message) && typeof message.result.protocolVersion === 'string')
      remote.setProtocolVersion(message.result.protocolVersion);
    void local.send(message);
  };
  remote.onerror = (err) => console.error(`reprise mcp: ${err.message}`);
  local.onerror = (err) => console.error(`reprise mcp: ${err.message}`);
  await remote.start();
  await local.start();
  await done;
}
