import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerConfig } from '../config.js';
import { ndjsonStream } from '../api/ndjson-stream.js';
import { accessOf } from '../auth/access.js';
import { HttpError } from '../http/errors.js';
import { publicBase } from '../links/routes.js';
import type { Share, Store } from '../store/types.js';
import {
  createShare,
  parseShareRequest,
  shareByToken,
  shareRefusal,
  sharedEvents,
  sharedTimeline,
  shareStatus,
  shareWindow,
  type ShareRefusal,
} from './service.js';
import { shareErrorPage } from './error-page.js';

/** Opens listed per link on the session page. */
const OPENS_SHOWN = 5;

/** `/api/v1`: create, list and revoke a session's share links (members write, viewers read). */
export async function shareApiRoutes(app: FastifyInstance, opts: { store: Store; config: ServerConfig }): Promise<void> {
  const { store, config } = opts;

  app.post('/sessions/:id/shares', { config: { access: { need: 'write', project: 'session' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    let request;
    try {
      request = parseShareRequest(req.body);
    } catch (err) {
      throw new HttpError(400, 'invalid_request', err instanceof Error ? err.message : 'invalid share link');
    }
    const { share, url } = await createShare(store, {
      projectId: accessOf(req).projectId!,
      sessionId: id,
      request,
      createdBy: req.user?.id ?? null,
      publicBase: publicBase(config, req),
    });
    reply.header('Cache-Control', 'no-store');
    return reply.status(201).send({ ...shareInfo(share, Date.now()), url });
  });

  app.get('/sessions/:id/shares', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const now = Date.now();
    const shares = await store.listShares(id);
    return {
      shares: await Promise.all(shares.map(async (s) => ({ ...shareInfo(s, now), opens: await store.listShareOpens(s.id, OPENS_SHOWN) }))),
    };
  });

  app.delete('/shares/:id', { config: { access: { need: 'write', project: 'share' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.revokeShare(id, Date.now()))) throw new HttpError(404, 'not_found', `no share link ${id}`);
    return reply.status(204).send();
  });
}

function shareInfo(s: Share, now: number) {
  return {
    id: s.id,
    sessionId: s.sessionId,
    view: s.view,
    from: s.rangeFrom,
    to: s.rangeTo,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    revokedAt: s.revokedAt,
    lastOpenedAt: s.lastOpenedAt,
    openCount: s.openCount,
    status: shareStatus(s, now),
  };
}

const STATUS: Record<ShareRefusal, number> = { share_invalid: 404, share_expired: 410, share_revoked: 410 };

/**
 * `/s/:token…`: what a share link opens, without login. The token is the only credential and it
 * grants exactly this session (and range), read-only, through these four routes; `/api/v1` never
 * looks at it. A wrong, expired or revoked token gets a page (or JSON error) and no data.
 */
export async function sharePublicRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  const resolve = async (token: string): Promise<{ share: Share; refusal: null } | { share: null; refusal: ShareRefusal }> => {
    const share = await shareByToken(store, token);
    const refusal = shareRefusal(share, Date.now());
    return refusal || !share ? { share: null, refusal: refusal ?? 'share_invalid' } : { share, refusal: null };
  };
  const noLeak = (reply: FastifyReply) => reply.header('Referrer-Policy', 'no-referrer').header('Cache-Control', 'no-store');

  // The page: the viewer's shell (it renders the shared player), or a page that says why not.
  app.get('/s/:token', async (req, reply) => {
    const { token } = req.params as { token: string };
    const r = await resolve(token);
    noLeak(reply);
    if (!r.share)
      return reply
        .status(STATUS[r.refusal])
        .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
        .type('text/html; charset=utf-8')
        .send(shareErrorPage(r.refusal));
    await store.recordShareOpen(r.share.id, Date.now());
    return reply.callNotFound();
  });

  const data = async (token: string, reply: FastifyReply): Promise<Share | null> => {
    const r = await resolve(token);
    noLeak(reply);
    if (!r.share) {
      await reply.status(STATUS[r.refusal]).send({ error: r.refusal, message: shareErrorPage.message(r.refusal) });
      return null;
    }
    return r.share;
  };

  app.get('/s/:token/session', async (req, reply) => {
    const share = await data((req.params as { token: string }).token, reply);
    if (!share) return reply;
    const s = await store.getSession(share.sessionId);
    if (!s) throw new HttpError(404, 'share_invalid', 'the shared session no longer exists');
    return {
      sessionId: s.id,
      view: share.view,
      from: share.rangeFrom,
      to: share.rangeTo,
      expiresAt: share.expiresAt,
      firstUrl: s.firstUrl,
      startedAt: s.startedAt,
      durationMs: s.durationMs,
      browser: s.browser,
      os: s.os,
      device: s.device,
    };
  });

  app.get('/s/:token/timeline', async (req, reply) => {
    const share = await data((req.params as { token: string }).token, reply);
    if (!share) return reply;
    const t = await store.getSessionTimeline(share.sessionId);
    if (!t) throw new HttpError(404, 'share_invalid', 'the shared session no longer exists');
    return sharedTimeline(t, shareWindow(share, t));
  });

  app.get('/s/:token/events', async (req, reply) => {
    const share = await data((req.params as { token: string }).token, reply);
    if (!share) return reply;
    const t = await store.getSessionTimeline(share.sessionId);
    if (!t) throw new HttpError(404, 'share_invalid', 'the shared session no longer exists');
    const w = shareWindow(share, t);
    const q = req.query as { from?: unknown; to?: unknown };
    const from = Math.max(w.domFrom, num(q.from, 'from') ?? -Infinity);
    const to = Math.min(w.to, num(q.to, 'to') ?? Infinity);
    const range = { from: Number.isFinite(from) ? from : undefined, to: Number.isFinite(to) ? to : undefined };
    const body = ndjsonStream(sharedEvents(store.streamEvents(share.sessionId, range), w, share.view), (e, err) =>
      req.log.warn({ sessionId: share.sessionId, t: e.t, kind: e.kind, err }, 'stored event left out: it cannot be serialized'),
    );
    return reply.type('application/x-ndjson; charset=utf-8').send(body);
  });
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new HttpError(400, 'invalid_request', `${name} must be epoch milliseconds, given once`);
  return n;
}
