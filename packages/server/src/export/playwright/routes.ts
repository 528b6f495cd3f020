import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../../config.js';
import { HttpError } from '../../http/errors.js';
import { publicBase } from '../../links/routes.js';
import type { Store } from '../../store/types.js';
import { exportPlaywright, RangeParamError } from './index.js';

/**
 * `GET /api/v1/sessions/:id/playwright`: the session as a Playwright test (docs/playwright-export.md).
 * `?file=spec` (default) the `.spec.ts`, `?file=har` the HAR, `?file=json` both in one JSON;
 * `from`/`to` a slice, `unmatched=passthrough|block` what unrecorded calls do.
 */
export async function playwrightRoutes(app: FastifyInstance, opts: { store: Store; config: ServerConfig }): Promise<void> {
  const { store, config } = opts;
  app.get('/sessions/:id/playwright', { config: { access: { need: 'read', project: 'session' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as Record<string, string | undefined>;
    const file = q.file ?? 'spec';
    if (!['spec', 'har', 'json'].includes(file)) throw new HttpError(400, 'invalid_request', 'file must be spec, har or json');
    const unmatched = q.unmatched ?? 'passthrough';
    if (unmatched !== 'passthrough' && unmatched !== 'block')
      throw new HttpError(400, 'invalid_request', 'unmatched must be passthrough or block');
    const replayUrl = `${publicBase(config, req)}/sessions/${encodeURIComponent(id)}`;
    let out;
    try {
      out = await exportPlaywright(store, id, { from: q.from, to: q.to, unmatched, replayUrl });
    } catch (err) {
      if (err instanceof RangeParamError) throw new HttpError(400, 'invalid_request', err.message);
      throw err;
    }
    if (!out) throw new HttpError(404, 'not_found', `no session ${id}`);
    if (file === 'json') return out;
    const [name, type, body] =
      file === 'har'
        ? [out.harFilename, 'application/json; charset=utf-8', JSON.stringify(out.har, null, 2)]
        : [out.filename, 'text/plain; charset=utf-8', out.spec];
    return reply.header('content-type', type).header('content-disposition', `attachment; filename="${name}"`).send(body);
  });
}
