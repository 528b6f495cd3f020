import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.js';
import { HttpError } from '../http/errors.js';
import { publicBase } from '../links/routes.js';
import type { Store } from '../store/types.js';
import { buildDigest, DEFAULT_BUDGET_TOKENS, MAX_BUDGET_TOKENS, MIN_BUDGET_TOKENS } from './digest.js';
import { LlmFailed, rewriteDigest } from './llm.js';
import { buildSteps, stepsMarkdown } from './steps.js';

/**
 * `/api/v1`: a session's digest and reproduction steps (docs/digest.md), and the optional
 * rewrite of the digest into prose by a configured model.
 */
export async function digestRoutes(app: FastifyInstance, opts: { store: Store; config: ServerConfig }): Promise<void> {
  const { store, config } = opts;

  app.get('/sessions/:id/digest', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const digest = await buildDigest(store, id, { budgetTokens: budgetParam(req.query) });
    if (!digest) throw new HttpError(404, 'not_found', `no session ${id}`);
    return digest;
  });

  app.get('/sessions/:id/steps', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const steps = await buildSteps(store, id);
    if (!steps) throw new HttpError(404, 'not_found', `no session ${id}`);
    const base = `${publicBase(config, req)}/sessions/${encodeURIComponent(id)}`;
    return { ...steps, markdown: stepsMarkdown(steps, (t) => `${base}?t=${Math.round((t - steps.startedAt) / 100) / 10}`) };
  });

  // Whether the viewer shows "Rewrite" (the endpoint and key stay on the server).
  app.get('/digest/rewrite', { config: { access: { need: 'login' } } }, async () => ({
    enabled: config.llm !== null,
    model: config.llm?.model ?? null,
  }));

  app.post('/sessions/:id/digest/rewrite', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as { id: string };
    if (!config.llm)
      throw new HttpError(404, 'llm_not_configured', 'no model is configured: set REPRISE_LLM_URL, REPRISE_LLM_MODEL and REPRISE_LLM_KEY');
    const digest = await buildDigest(store, id, { budgetTokens: budgetParam(req.query) });
    if (!digest) throw new HttpError(404, 'not_found', `no session ${id}`);
    try {
      return { prose: await rewriteDigest(config.llm, digest.text), sent: digest.text, model: config.llm.model };
    } catch (err) {
      if (err instanceof LlmFailed) throw new HttpError(502, 'llm_failed', err.message);
      throw err;
    }
  });
}

function budgetParam(query: unknown): number {
  const v = (query as { budget?: unknown } | undefined)?.budget;
  if (v === undefined || v === '') return DEFAULT_BUDGET_TOKENS;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < MIN_BUDGET_TOKENS || n > MAX_BUDGET_TOKENS) {
    throw new HttpError(400, 'invalid_request', `budget must be an integer from ${MIN_BUDGET_TOKENS} to ${MAX_BUDGET_TOKENS} (tokens)`);
  }
  return n;
}
