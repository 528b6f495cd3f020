import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LinkError } from '@reprise/protocol';
import type { ServerConfig } from '../config.js';
import { HttpError } from '../http/errors.js';
import { sha256 } from '../ids.js';
import type { Link, Store } from '../store/types.js';
import { accessOf } from '../auth/access.js';
import { createLink, linkRefusal, linkStatus } from './service.js';

/** Where links point: REPRISE_PUBLIC_URL when set, else the origin the request came in on. */
export function publicBase(config: ServerConfig, req: FastifyRequest): string {
  return config.publicUrlExplicit ? config.publicUrl : `${req.protocol}://${req.host}`;
}

/** `/api/v1/links`: create, list, revoke. Access rules: auth/access.ts (members revoke only their own links). */
export async function linkApiRoutes(app: FastifyInstance, opts: { store: Store; config: ServerConfig }): Promise<void> {
  const { store, config } = opts;

  app.post('/links', { config: { access: { need: 'write', project: 'body' } } }, async (req, reply) => {
    const body = (req.body ?? {}) as { targetUrl?: unknown; label?: unknown; expiresInSeconds?: unknown; maxSessions?: unknown };
    const project = (await store.listProjects()).find((p) => p.id === accessOf(req).projectId);
    if (!project) throw new HttpError(400, 'invalid_request', 'no such project');
    try {
      const link = await createLink(store, {
        projectId: project.id,
        allowedOrigins: project.allowedOrigins,
        targetUrl: body.targetUrl,
        label: body.label,
        expiresInSeconds: body.expiresInSeconds,
        maxSessions: body.maxSessions,
        createdBy: req.user?.id ?? null,
        publicBase: publicBase(config, req),
      });
      reply.header('Cache-Control', 'no-store');
      return reply.status(201).send(link);
    } catch (err) {
      throw new HttpError(400, 'invalid_request', err instanceof Error ? err.message : 'invalid link');
    }
  });

  app.get('/links', { config: { access: { need: 'read', project: 'query' } } }, async (req) => {
    const now = Date.now();
    const { projectId, projectIds } = accessOf(req);
    const links = await store.listLinks({ projectIds: projectId ? [projectId] : (projectIds ?? undefined) });
    return {
      links: links.map((l) => ({
        id: l.id,
        projectId: l.projectId,
        createdBy: l.createdBy,
        label: l.label,
        targetUrl: l.targetUrl,
        createdAt: l.createdAt,
        expiresAt: l.expiresAt,
        maxSessions: l.maxSessions,
        revokedAt: l.revokedAt,
        openedAt: l.openedAt,
        sessionCount: l.sessionCount,
        sessions: l.sessions,
        status: linkStatus(l, now),
      })),
    };
  });

  app.delete('/links/:id', { config: { access: { need: 'write', project: 'link', own: true } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.revokeLink(id, Date.now()))) throw new HttpError(404, 'not_found', `no link ${id}`);
    return reply.status(204).send();
  });
}

const REASON: Record<LinkError, { reason: string; status: number; title: string; text: string }> = {
  link_invalid: {
    reason: 'invalid',
    status: 404,
    title: 'This link is not valid',
    text: 'The link is incomplete or was never issued. Check that you copied the whole link, or ask the person who sent it for a new one.',
  },
  link_expired: {
    reason: 'expired',
    status: 410,
    title: 'This link has expired',
    text: 'Recording links only work for a limited time. Ask the person who sent it for a new one.',
  },
  link_revoked: {
    reason: 'revoked',
    status: 410,
    title: 'This link was turned off',
    text: 'The person who sent it has revoked it. Nothing will be recorded.',
  },
  link_used_up: {
    reason: 'used_up',
    status: 410,
    title: 'This link has already been used',
    text: 'It was meant for a limited number of recordings, and they have all been made. Ask the person who sent it for a new one.',
  },
};

/** `GET /l/:token` consent page and `POST /l/:token/start`. No auth: the token is the credential. */
export async function consentRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  // The consent page posts a plain HTML form; it carries nothing we read, the token is in the path.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) =>
    done(null, {}),
  );
  const { store } = opts;

  const resolve = async (token: string): Promise<{ link: Link | null; refusal: LinkError | null }> => {
    // Only well-formed tokens reach the database; the lookup is by hash, never by the token.
    const link = /^[A-Za-z0-9_-]{22,128}$/.test(token) ? await store.getLinkByTokenHash(sha256(token)) : null;
    return { link, refusal: linkRefusal(link, Date.now(), { newSession: true }) };
  };

  app.get('/l/:token', async (req, reply) => {
    const { token } = req.params as { token: string };
    const { link, refusal } = await resolve(token);
    if (refusal || !link) return sendError(reply, refusal ?? 'link_invalid');
    await store.markLinkOpened(link.id, Date.now());
    return sendPage(reply, 200, consentHtml(link, token), new URL(link.targetUrl).origin);
  });

  app.post('/l/:token/start', async (req, reply) => {
    const { token } = req.params as { token: string };
    const { link, refusal } = await resolve(token);
    if (refusal || !link) return sendError(reply, refusal ?? 'link_invalid');
    await store.markLinkOpened(link.id, Date.now());
    const target = new URL(link.targetUrl);
    // The fragment never reaches the target's server, its logs or Referer headers.
    target.hash = `reprise_token=${token}`;
    securityHeaders(reply, null);
    return reply.status(303).header('Location', target.href).send();
  });
}

function securityHeaders(reply: FastifyReply, formTarget: string | null): void {
  reply.header(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      "style-src 'unsafe-inline'",
      `form-action 'self'${formTarget ? ` ${formTarget}` : ''}`,
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  );
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Cache-Control', 'no-store');
}

function sendPage(reply: FastifyReply, status: number, html: string, formTarget: string | null) {
  securityHeaders(reply, formTarget);
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

function sendError(reply: FastifyReply, code: LinkError) {
  const r = REASON[code];
  const body = `<main class="card" data-testid="link-error" data-reason="${r.reason}">
  <h1>${esc(r.title)}</h1>
  <p>${esc(r.text)}</p>
  <p class="muted">Nothing is being recorded.</p>
</main>`;
  return sendPage(reply, r.status, layout(r.title, body), null);
}

function consentHtml(link: Link, token: string): string {
  const target = new URL(link.targetUrl);
  const expires = new Date(link.expiresAt);
  const body = `<main class="card" data-testid="consent">
  <h1>Record a session to help fix a problem</h1>
  <p>You were sent this link${link.label ? ` (reference <strong>${esc(link.label)}</strong>)` : ''} so that the support team can see what happens on
  <strong>${esc(target.host)}</strong> while you reproduce the problem. Nothing is recorded until you press Start.</p>
  <h2>What will be recorded</h2>
  <ul data-testid="consent-recorded">
    <li>Your clicks, scrolling and the pages you visit</li>
    <li>The content of those pages, as you see it</li>
    <li>Typing, with the characters masked: the team sees that you typed, not what</li>
    <li>Console messages and network activity of the site</li>
    <li>Errors that happen on the page</li>
  </ul>
  <h2>What is never recorded</h2>
  <ul data-testid="consent-never">
    <li>Passwords</li>
    <li>Payment card fields</li>
    <li>Authorization headers and cookies</li>
  </ul>
  <h2>How long it lasts and how to stop</h2>
  <p data-testid="consent-duration">Recording lasts until the link expires at <time datetime="${expires.toISOString()}">${esc(expires.toUTCString())}</time>,
  or until you press Stop, or after 30 minutes without activity. While recording, a small badge is shown on the page:
  press the <strong>Stop</strong> button on the badge to end the recording at any time.</p>
  <form method="post" action="/l/${esc(encodeURIComponent(token))}/start">
    <button type="submit" data-testid="consent-start">Start recording and continue to ${esc(target.host)}</button>
  </form>
  <p class="muted">If you do not want to be recorded, simply close this page.</p>
</main>`;
  return layout('Session recording', body);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · Reprise</title>
<style>
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: #f4f5f7; color: #1d2330; margin: 0; padding: 2rem 1rem; }
  .card { max-width: 40rem; margin: 0 auto; background: #fff; border-radius: 8px; padding: 1.5rem 2rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin-top: 0; } h2 { font-size: 1.05rem; margin-bottom: .25rem; }
  ul { margin-top: .25rem; } .muted { color: #5b6475; font-size: .9rem; }
  button { font: inherit; background: #2f5bea; color: #fff; border: 0; border-radius: 6px; padding: .6rem 1.2rem; cursor: pointer; margin-top: 1rem; }
  button:focus-visible { outline: 3px solid #9db4ff; outline-offset: 2px; }
</style>
</head>
<body>
${body}
</body>
</html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
