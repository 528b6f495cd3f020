import type { CliCommand } from '../command.js';

/** `reprise mcp`: the MCP server on stdio for a local assistant (mcp/stdio.ts relays to the server's /mcp). */
export const mcp: CliCommand = {
  name: 'mcp',
  // The relay needs no server configuration, and its stdout is the protocol.
  withoutConfig: true,
  usage: [
    {
      synopsis: 'mcp [--url URL] [--token TOKEN]',
      about: [
        'MCP server on stdin/stdout for a local AI assistant: relays to',
        'URL/mcp with an API token (env: REPRISE_URL, REPRISE_TOKEN; docs/mcp.md)',
      ],
    },
  ],
  run: async (args) => (await import('../../mcp/stdio.js')).mcpStdioCommand(args),
};
