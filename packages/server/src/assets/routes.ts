import type { FastifyInstance, FastifyReply } from 'fastify';
import { ASSET_MODES, assetRoute, BLOCKED_ASSET_URL, mapCssUrls, MAX_ASSET_URL_LENGTH, type AssetMode } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { Store } from '../store/types.js';
import type { AssetCapture } from './capture.js';
import type { AssetStore } from './types.js';

/**
 * `/api/v1` asset routes (access rules: auth/access.ts):
 * - `GET /sessions/:id/assets`: `{mode, assets}`: how the viewer treats the session's asset URLs,
 *   and what became of each (first 1000 by URL: `status` new, pending, stored or failed, `error`);
 * - `GET /sessions/:id/asset?url=`: a captured asset of the session (or, in `proxy` mode, fetched
 *   now and kept). Only URLs the session's recording references; anything not stored is a 404
 *   `asset_missing` and shows as missing in the replay;
 * - `GET|PUT /projects/:id/assets`: a project's asset mode (`{mode}`; PUT is admin-only).
 */
export async function assetRoutes(app: FastifyInstance, opts: { store: Store & AssetStore; capture: AssetCapture }): Promise<void> {
  const { store, capture } = opts;
  sessionAssetRoutes(app, store, capture);
  projectAssetRoutes(app, store);
}

function sessionAssetRoutes(app: FastifyInstance, store: Store & AssetStore, capture: AssetCapture): void {
  const sessionProject = async (id: string) => {
    const s = await store.getSession(id);
    if (!s) throw new HttpError(404, 'not_found', `no session ${id}`);
    return s.projectId;
  };

  app.get('/sessions/:id/assets', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const mode = await store.assets.getAssetMode(await sessionProject(id));
    const assets = (await store.assets.listSessionAssets(id, 1000)).map((a) => ({
      url: a.url,
      status: a.status,
      contentType: a.contentType,
      bytes: a.bytes,
      error: a.error,
    }));
    return { mode, assets };
  });

  app.get('/sessions/:id/asset', { config: { access: { need: 'read', project: 'session' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { url } = req.query as { url?: unknown };
    if (typeof url !== 'string' || url === '' || url.length > MAX_ASSET_URL_LENGTH) {
      throw new HttpError(400, 'invalid_request', `url must be given once, at most ${MAX_ASSET_URL_LENGTH} characters`);
    }
    const projectId = await sessionProject(id);
    const mode = await store.assets.getAssetMode(projectId);
    if (mode === 'block' || mode === 'origin')
      throw new HttpError(404, 'asset_missing', `assets of this project are not served (mode ${mode})`);
    let asset = await store.assets.getSessionAsset(id, url);
    if (asset && mode === 'proxy' && (asset.status === 'new' || asset.status === 'pending')) {
      const project = (await store.listProjects()).find((p) => p.id === projectId);
      if (project) await capture.fetchOne(project, id, url, mode);
      asset = await store.assets.getSessionAsset(id, url);
    }
    if (!asset || asset.status !== 'stored' || !asset.hash || !asset.contentType) {
      throw new HttpError(404, 'asset_missing', asset?.error ? `not captured: ${asset.error}` : 'this asset was not captured');
    }
    let body = await store.assetBlobs.get({ projectId, hash: asset.hash });
    // A stylesheet's own fonts, images and imports load from here too (relative to its original URL).
    if (asset.contentType === 'text/css') body = cssWithAssetRoutes(body, url, id);
    return sendStoredAsset(reply, asset.contentType, body);
  });
}

function projectAssetRoutes(app: FastifyInstance, store: Store & AssetStore): void {
  app.get('/projects/:id/assets', { config: { access: { need: 'read', project: 'project' } } }, async (req) => {
    const { id } = req.params as { id: string };
    await requireProject(store, id);
    return { mode: await store.assets.getAssetMode(id) };
  });

  app.put('/projects/:id/assets', { config: { access: { need: 'admin', project: 'project' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const mode = (req.body as { mode?: unknown } | undefined)?.mode;
    if (typeof mode !== 'string' || !(ASSET_MODES as readonly string[]).includes(mode)) {
      throw new HttpError(400, 'invalid_request', `mode must be one of ${ASSET_MODES.join(', ')}`);
    }
    await requireProject(store, id);
    await store.assets.setAssetMode(id, mode as AssetMode);
    return { mode };
  });
}

function cssWithAssetRoutes(css: Buffer, url: string, sessionId: string): Buffer {
  return Buffer.from(
    mapCssUrls(css.toString('utf8'), url, (u) => (u.length <= MAX_ASSET_URL_LENGTH ? assetRoute(sessionId, u) : BLOCKED_ASSET_URL)),
    'utf8',
  );
}

function sendStoredAsset(reply: FastifyReply, contentType: string, body: Buffer): FastifyReply {
  return (
    reply
      .type(contentType)
      .header('X-Content-Type-Options', 'nosniff')
      // Stored bytes are the recorded site's: opened as a document (an SVG), nothing in them runs.
      .header(
        'Content-Security-Policy',
        "sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:",
      )
      .header('Cross-Origin-Resource-Policy', 'same-origin')
      .header('Cache-Control', 'private, max-age=86400')
      .send(body)
  );
}

async function requireProject(store: Store, id: string): Promise<void> {
  if (!(await store.listProjects()).some((p) => p.id === id)) throw new HttpError(404, 'not_found', `no project ${id}`);
}
