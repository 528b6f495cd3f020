import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Caller } from '../auth/access.js';
import type { ServerConfig } from '../config.js';
import { HttpError } from '../http/errors.js';
import { sha256 } from '../ids.js';
import type { Store } from '../store/types.js';
import { buildMcpServer } from './server.js';

/**
 * `/mcp`: the MCP tools over Streamable HTTP, stateless (a server per request, JSON answers):
 * the tools keep no state between calls, so any instance of a scaled-out deployment answers.
 * Only a bearer API token is accepted (never the login cookie, so no cross-site request can
 * act for a logged-in browser); its rights are those of `/api/v1` (auth/access.ts): read on
 * the token's projects.
 */
export async function mcpRoutes(app: FastifyInstance, opts: { store: Store; config: ServerConfig }): Promise<void> {
  const { store, config } = opts;

  app.post('/mcp', async (req, reply) => {
    const caller = await bearerCaller(store, req, reply);
    const server = buildMcpServer({ store, caller, publicUrl: config.publicUrl, log: req.log });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    // The transport writes the response itself.
    reply.hijack();
    reply.raw.once('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req.raw, reply.raw, req.body);
  });

  // Stateless: no server-sent event stream to open and no session to end.
  const notAllowed = async (req: FastifyRequest, reply: FastifyReply) => {
    await bearerCaller(store, req, reply);
    return reply
      .status(405)
      .header('allow', 'POST')
      .send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: POST JSON-RPC messages to /mcp' }, id: null });
  };
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
}

/** The caller behind `Authorization: Bearer <API token>`; 401 without a valid, unrevoked, unexpired one. */
async function bearerCaller(store: Store, req: FastifyRequest, reply: FastifyReply): Promise<Caller> {
  const auth = req.headers.authorization;
  const found = auth?.startsWith('Bearer ') ? await store.getApiTokenByHash(sha256(auth.slice(7).trim()), Date.now()) : null;
  if (!found) {
    reply.header('www-authenticate', 'Bearer realm="reprise"');
    throw new HttpError(
      401,
      'unauthorized',
      'pass a Reprise API token: Authorization: Bearer <token> (reprise token create, or Settings → API tokens)',
    );
  }
  return Caller.load(store, found.user, found.token);
}
