import type { FastifyInstance } from 'fastify';
import { LIMITS } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { Store } from '../store/types.js';
import { MAX_RESOLVED_ERRORS, resolveSessionErrors, resolveStacks } from './session-errors.js';
import { checkSourceMap, MAX_MAP_BYTES, scriptKey } from './validate.js';

/** Stacks one resolve request may carry (the viewer sends a session's distinct stacks). */
const MAX_STACKS = 200;
const MAX_STACK_CHARS = 16 * 1024;
const MAX_FETCH_ORIGINS = 50;

/**
 * Releases and source maps under /api/v1 (docs/sourcemaps.md): upload and list a release's maps,
 * a session's errors with resolved stacks, stacks resolved on demand, and the fetch setting.
 */
export async function sourcemapRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.post(
    '/releases/:release/sourcemaps',
    {
      // The map travels as a JSON string: its escaping can double it. The cap itself is checked below.
      bodyLimit: 2 * MAX_MAP_BYTES + 64 * 1024,
      config: { access: { need: 'write', project: 'body', otherwise: 'first' } },
    },
    async (req, reply) => {
      const release = releaseParam(req.params);
      const projectId = req.access?.projectId;
      if (!projectId) throw new HttpError(404, 'not_found', 'no project to upload to');
      const body = (req.body ?? {}) as { url?: unknown; map?: unknown; debugId?: unknown };
      if (typeof body.url !== 'string') throw new HttpError(400, 'invalid_request', "url (the minified file's URL) is required");
      const url = scriptKey(body.url);
      if (!url) throw new HttpError(400, 'invalid_url', 'url must be an absolute http(s) URL of at most 2048 characters');
      const text = typeof body.map === 'string' ? body.map : body.map && typeof body.map === 'object' ? JSON.stringify(body.map) : null;
      if (text === null) throw new HttpError(400, 'invalid_request', "map (the source map's JSON text) is required");
      if (Buffer.byteLength(text, 'utf8') > MAX_MAP_BYTES) {
        throw new HttpError(413, 'map_too_large', `the map is over the ${MAX_MAP_BYTES}-byte cap`);
      }
      const checked = checkSourceMap(text);
      if (!checked.ok) throw new HttpError(400, 'invalid_map', checked.reason);
      const debugId = typeof body.debugId === 'string' && body.debugId.trim() ? body.debugId.trim().toLowerCase() : checked.debugId;
      // What is stored is the checked map (sources made safe), so every later read is of a valid map.
      const rec = await store.sourceMaps.put({ projectId, release, url, debugId, bytes: Buffer.from(JSON.stringify(checked.map)) });
      const warnings =
        checked.rewrittenSources > 0
          ? [`${checked.rewrittenSources} source path(s) had a scheme, an absolute path or control characters: shown as relative paths`]
          : [];
      return reply.status(201).send({ projectId, release, url, debugId: rec.debugId, bytes: rec.bytes, warnings });
    },
  );

  app.get('/releases/:release/sourcemaps', { config: { access: { need: 'read', project: 'query', otherwise: 'first' } } }, async (req) => {
    const release = releaseParam(req.params);
    const projectId = req.access?.projectId;
    if (!projectId) throw new HttpError(404, 'not_found', 'no project');
    const maps = await store.sourceMaps.list(projectId, release);
    return { projectId, release, maps: maps.map((m) => ({ url: m.url, debugId: m.debugId, bytes: m.bytes, createdAt: m.createdAt })) };
  });

  app.get('/sessions/:id/errors/resolved', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const session = await sessionOf(store, req.params);
    const errors = await resolveSessionErrors(store, session);
    return { sessionId: session.id, release: session.release ?? null, errors, truncated: errors.length >= MAX_RESOLVED_ERRORS };
  });

  app.post('/sessions/:id/stacks/resolve', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const session = await sessionOf(store, req.params);
    const stacks = (req.body as { stacks?: unknown } | undefined)?.stacks;
    if (
      !Array.isArray(stacks) ||
      stacks.length > MAX_STACKS ||
      !stacks.every((s) => typeof s === 'string' && s.length <= MAX_STACK_CHARS)
    ) {
      throw new HttpError(
        400,
        'invalid_request',
        `stacks must be a list of at most ${MAX_STACKS} strings of at most ${MAX_STACK_CHARS} characters`,
      );
    }
    return { release: session.release ?? null, stacks: await resolveStacks(store, session, stacks as string[]) };
  });

  app.get('/projects/:id/sourcemap-fetch', { config: { access: { need: 'read', project: 'project' } } }, async (req) => {
    const { id } = req.params as { id: string };
    return { origins: await store.sourceMaps.getFetchOrigins(id) };
  });

  app.put('/projects/:id/sourcemap-fetch', { config: { access: { need: 'admin', project: 'project' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const origins = (req.body as { origins?: unknown } | undefined)?.origins;
    if (origins !== null && !(Array.isArray(origins) && origins.length <= MAX_FETCH_ORIGINS && origins.every(isOrigin))) {
      throw new HttpError(
        400,
        'invalid_request',
        `origins must be null (off) or a list of at most ${MAX_FETCH_ORIGINS} origins like https://app.example.com`,
      );
    }
    if (!(await store.listProjects()).some((p) => p.id === id)) throw new HttpError(404, 'not_found', 'no such project');
    const list = origins === null ? null : (origins as string[]).map((o) => new URL(o).origin);
    await store.sourceMaps.setFetchOrigins(id, list);
    return { origins: list };
  });
}

function releaseParam(params: unknown): string {
  const raw = (params as { release?: string }).release ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (raw.trim() === '' || raw.length > LIMITS.maxReleaseLength || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw new HttpError(400, 'invalid_release', `a release is 1 to ${LIMITS.maxReleaseLength} characters, without control characters`);
  }
  return raw.trim();
}

async function sessionOf(store: Store, params: unknown): Promise<{ id: string; projectId: string; release?: string | null }> {
  const { id } = params as { id: string };
  const s = await store.getSession(id);
  if (!s) throw new HttpError(404, 'not_found', 'no such session');
  return s;
}

function isOrigin(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v.replace(/\/$/, '');
  } catch {
    return false;
  }
}
