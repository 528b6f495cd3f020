import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CHARS_PER_TOKEN, clip } from './budget.js';
import { ToolError, type ToolContext } from './context.js';
import { nulIn } from '../http/nul-guard.js';
import type { ToolDef } from './tool.js';
import { getSessionDigest, getReproSteps } from './tools/digest.js';
import { getConsole, getErrors } from './tools/console.js';
import { getNetworkRequest } from './tools/network.js';
import { getPageText } from './tools/page-text.js';
import { exportPlaywrightTest } from './tools/playwright.js';
import { listProblems } from './tools/problems.js';
import { searchSessions } from './tools/search.js';

/** Every tool, in the order an assistant usually needs them. */
export const TOOLS = [
  searchSessions,
  getSessionDigest,
  getReproSteps,
  listProblems,
  getNetworkRequest,
  getConsole,
  getErrors,
  getPageText,
  exportPlaywrightTest,
] as const;

/** The hard cap of any answer (the tools fit well below it; this only guards against a slip). */
const MAX_ANSWER_CHARS = 6_000 * CHARS_PER_TOKEN;

export const SERVER_INFO = { name: 'reprise', version: '0.1.0' };

/** An MCP server with Reprise's tools, bound to one caller (a bearer token's rights). */
export function buildMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions:
      'Reprise holds recorded browser sessions. Find sessions with search_sessions or list_problems, then read one with get_session_digest; ' +
      'drill down with get_network_request, get_console, get_errors and get_page_text. Times are ms from the session start.',
  });
  for (const tool of TOOLS) register(server, ctx, tool as unknown as ToolDef);
  return server;
}

function register(server: McpServer, ctx: ToolContext, tool: ToolDef): void {
  server.registerTool(
    tool.name,
    { description: tool.description, inputSchema: tool.input, annotations: { readOnlyHint: true, openWorldHint: false } },
    async (args: Record<string, unknown>): Promise<CallToolResult> => {
      try {
        // As on /api/v1 (http/nul-guard.ts): PostgreSQL text cannot hold U+0000.
        const nul = nulIn(args);
        if (nul) throw new ToolError(`NUL characters (U+0000) are not accepted (in ${nul})`);
        const text = await tool.run(ctx, args as never);
        return { content: [{ type: 'text', text: clip(text, MAX_ANSWER_CHARS) }] };
      } catch (err) {
        // A ToolError is the assistant's to read; anything else is ours, reported without internals.
        if (err instanceof ToolError) return { isError: true, content: [{ type: 'text', text: err.message }] };
        ctx.log.error({ err, tool: tool.name }, 'MCP tool failed');
        return {
          isError: true,
          content: [{ type: 'text', text: `${tool.name} failed on the server (logged there); try again or another tool` }],
        };
      }
    },
  );
}
