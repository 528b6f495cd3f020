import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiRoutes } from './api/routes.js';
import { authRoutes, requireUser } from './auth/plugin.js';
import type { ServerConfig } from './config.js';
import { installErrorHandler } from './http/errors.js';
import { DEFAULT_SDK_DIR, DEFAULT_VIEWER_DIR, staticRoutes } from './http/static.js';
import { ingestRoutes } from './ingest/routes.js';
import type { Store } from './store/types.js';

export interface AppOptions {
  store: Store;
  config: ServerConfig;
  /** Key injected into the demo shop's recorder tag; the demo is mounted only when set. */
  demoProjectKey?: string;
  viewerDir?: string;
  sdkDir?: string;
  logger?: boolean;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { store, config } = opts;
  const app = Fastify({
    logger: opts.logger ? { level: process.env.LOG_LEVEL ?? 'info' } : false,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
  });
  installErrorHandler(app);
  await app.register(fastifyCookie);

  await app.register(ingestRoutes, { prefix: '/ingest/v1', store });
  await app.register(
    async (api) => {
      api.addHook('onRequest', requireUser(store));
      await api.register(authRoutes, { store, config });
      await api.register(apiRoutes, { store });
    },
    { prefix: '/api/v1' },
  );

  if (opts.demoProjectKey) await mountDemo(app, opts.demoProjectKey);
  await staticRoutes(app, { viewerDir: opts.viewerDir ?? DEFAULT_VIEWER_DIR, sdkDir: opts.sdkDir ?? DEFAULT_SDK_DIR });
  return app;
}

/** The demo shop is an example workspace package; a deployment without it simply has no /demo/. */
async function mountDemo(app: FastifyInstance, projectKey: string): Promise<void> {
  try {
    const mod = (await import('@reprise/demo-shop')) as { default: import('fastify').FastifyPluginAsync<{ projectKey: string; sdkUrl?: string }> };
    await app.register(mod.default, { prefix: '/demo', projectKey, sdkUrl: '/sdk/reprise.js' });
  } catch (err) {
    app.log.warn({ err }, 'demo shop not available');
  }
}
