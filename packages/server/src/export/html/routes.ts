import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../http/errors.js';
import type { Store } from '../../store/types.js';
import { ExportBundleMissing, exportHtml, RangeParamError } from './index.js';

/**
 * `GET /api/v1/sessions/:id/export.html?from=&to=`: the session (or the slice from..to, ms from its
 * start or ISO times) as one self-contained HTML file, streamed as an attachment (docs/html-export.md).
 */
export async function htmlExportRoutes(app: FastifyInstance, opts: { store: Store; bundleDir?: string }): Promise<void> {
  const { store } = opts;
  app.get('/sessions/:id/export.html', { config: { access: { need: 'read', project: 'session' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as Record<string, unknown>;
    for (const key of ['from', 'to'] as const) {
      if (q[key] !== undefined && typeof q[key] !== 'string') throw new HttpError(400, 'invalid_request', `${key} must be given once`);
    }
    let out;
    try {
      out = await exportHtml(store, id, {
        from: q.from as string | undefined,
        to: q.to as string | undefined,
        bundleDir: opts.bundleDir,
        onUnreadable: (e, err) =>
          req.log.warn({ sessionId: id, t: e.t, kind: e.kind, err }, 'stored event left out: it cannot be serialized'),
      });
    } catch (err) {
      if (err instanceof RangeParamError) throw new HttpError(400, 'invalid_request', err.message);
      if (err instanceof ExportBundleMissing) throw new HttpError(503, 'export_unavailable', err.message);
      throw err;
    }
    if (!out) throw new HttpError(404, 'not_found', `no session ${id}`);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-disposition', `attachment; filename="${out.filename}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(out.body));
  });
}
