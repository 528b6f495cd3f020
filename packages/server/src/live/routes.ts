import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { HttpError } from '../http/errors.js';
import type { Store } from '../store/types.js';
import type { LiveBus } from './bus.js';

export const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/sessions/:id/live`: Server-Sent Events. Each batch stored for the session
 * after the stream opened arrives as `event: events` with a JSON array of `{t, kind, data}`;
 * a comment line every 15 s keeps proxies from closing the idle connection.
 */
export async function liveRoutes(app: FastifyInstance, opts: { store: Store; bus: LiveBus; heartbeatMs?: number }): Promise<void> {
  const { store, bus } = opts;
  const open = new Set<ServerResponse>();
  // Open streams would otherwise hold app.close() until clients go away.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get('/sessions/:id/live', { config: { access: { need: 'read', project: 'session' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.getSession(id))) throw new HttpError(404, 'not_found', `no session ${id}`);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': live\n\n');
    open.add(res);
    const unsubscribe = bus.subscribe(id, (msg) => {
      const events = msg.events.map((e) => ({ t: e.t, kind: e.kind, data: e.data }));
      res.write(`event: events\ndata: ${JSON.stringify(events)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), opts.heartbeatMs ?? HEARTBEAT_MS);
    heartbeat.unref();
    let cleaned = false;
    const cleanup = () => {
      if (cleaned) return;
      cleaned = true;
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    };
    req.raw.on('close', cleanup);
    res.on('close', cleanup);
    res.on('error', cleanup);
  });
}
