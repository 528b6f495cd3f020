import type { FastifyInstance } from 'fastify';

/**
 * `same-origin`: the viewer's own pages keep a Referer among themselves (the CSRF check's
 * fallback when a client sends no Origin), while no other origin ever learns a viewer URL
 * (session ids, `/l/<token>` links): not a recorded site whose assets a replay loads, not a
 * site the user follows a link to. Routes that want less (the link pages: `no-referrer`) set
 * their own value, which wins.
 */
export const REFERRER_POLICY = 'same-origin';

/**
 * `X-Content-Type-Options: nosniff` and a `Referrer-Policy` on every response: API, ingest,
 * static viewer and SDK, errors and 404s. Set on the raw response as the request arrives, so
 * error replies, the not-found handler and hijacked streams (live SSE) carry them too; a
 * header a route sets itself (reply.header or writeHead) takes precedence.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    reply.raw.setHeader('X-Content-Type-Options', 'nosniff');
    reply.raw.setHeader('Referrer-Policy', REFERRER_POLICY);
  });
}
