import type { FastifyInstance } from 'fastify';
import { accessOf } from '../auth/access.js';
import { HttpError } from '../http/errors.js';
import { randomSecret } from '../ids.js';
import { WEBHOOK_EVENTS, type Store, type Webhook, type WebhookEvent, type WebhookFormat } from '../store/types.js';

/** Deliveries shown per webhook in the log. */
const LOG_LIMIT = 100;
/** Bounds of an alert's minimum interval: a minute to a week. */
const MIN_INTERVAL_S = 60;
const MAX_INTERVAL_S = 7 * 24 * 3600;

/**
 * `/api/v1/webhooks` (admins only: a webhook makes this server send requests to a URL, so only
 * those who administer it choose where) and the alert switch of saved searches (members).
 */
export async function webhookRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/webhooks', { config: { access: { need: 'admin' } } }, async () => ({ webhooks: (await store.listWebhooks()).map(info) }));

  app.post('/webhooks', { config: { access: { need: 'admin' } } }, async (req, reply) => {
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    if (typeof b.projectId !== 'string' || !(await store.listProjects()).some((p) => p.id === b.projectId)) {
      throw new HttpError(400, 'invalid_request', 'projectId must name a project');
    }
    const secret = `whsec_${randomSecret()}`;
    const hook = await store.createWebhook({
      projectId: b.projectId,
      url: parseUrl(b.url),
      format: parseFormat(b.format),
      events: parseEvents(b.events),
      secret,
      createdBy: req.user?.id ?? null,
    });
    reply.header('Cache-Control', 'no-store');
    // The secret is shown this once: receivers need it to verify signatures.
    return reply.status(201).send({ ...info(hook), secret });
  });

  app.delete('/webhooks/:id', { config: { access: { need: 'admin' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteWebhook(id))) throw new HttpError(404, 'not_found', `no webhook ${id}`);
    return reply.status(204).send();
  });

  app.get('/webhooks/:id/deliveries', { config: { access: { need: 'admin' } } }, async (req) => {
    const { id } = req.params as { id: string };
    if (!(await store.getWebhook(id))) throw new HttpError(404, 'not_found', `no webhook ${id}`);
    return { deliveries: await store.listDeliveries(id, LOG_LIMIT) };
  });

  app.get('/alerts', { config: { access: { need: 'read', project: 'query' } } }, async (req) => {
    const { projectId, projectIds } = accessOf(req);
    return { alerts: await store.listSearchAlerts(projectId ? [projectId] : (projectIds ?? undefined)) };
  });

  app.put('/saved-searches/:id/alert', { config: { access: { need: 'write', project: 'savedSearch' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const s = (req.body as { minIntervalSeconds?: unknown } | undefined)?.minIntervalSeconds;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < MIN_INTERVAL_S || s > MAX_INTERVAL_S) {
      throw new HttpError(400, 'invalid_request', `minIntervalSeconds must be an integer from ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}`);
    }
    return store.setSearchAlert({ savedSearchId: id, projectId: accessOf(req).projectId!, minIntervalMs: s * 1000, now: Date.now() });
  });

  app.delete('/saved-searches/:id/alert', { config: { access: { need: 'write', project: 'savedSearch' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteSearchAlert(id))) throw new HttpError(404, 'not_found', `saved search ${id} is no alert`);
    return reply.status(204).send();
  });
}

function info(h: Webhook) {
  return { id: h.id, projectId: h.projectId, url: h.url, format: h.format, events: h.events, createdAt: h.createdAt };
}

/** Only http(s), without credentials in the URL (they would show in the list). */
function parseUrl(v: unknown): string {
  let u: URL;
  try {
    u = new URL(typeof v === 'string' && v.length <= 2048 ? v : '');
  } catch {
    throw new HttpError(400, 'invalid_request', 'url must be an http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new HttpError(400, 'invalid_request', 'url must be an http(s) URL');
  if (u.username || u.password) throw new HttpError(400, 'invalid_request', 'url must not contain credentials');
  return u.href;
}

function parseFormat(v: unknown): WebhookFormat {
  if (v === undefined || v === 'json') return 'json';
  if (v === 'slack') return 'slack';
  throw new HttpError(400, 'invalid_request', 'format must be "json" or "slack"');
}

function parseEvents(v: unknown): WebhookEvent[] {
  const ok = (e: unknown): e is WebhookEvent => (WEBHOOK_EVENTS as readonly unknown[]).includes(e);
  if (!Array.isArray(v) || v.length === 0 || !v.every(ok)) {
    throw new HttpError(400, 'invalid_request', `events must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}`);
  }
  return [...new Set(v)];
}
