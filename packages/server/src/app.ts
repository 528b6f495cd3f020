import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiRoutes } from './api/routes.js';
import { commentRoutes } from './api/comments.js';
import { lifecycleRoutes } from './api/lifecycle.js';
import { problemRoutes } from './api/problems.js';
import { issueRoutes } from './api/issues.js';
import { digestRoutes } from './digest/routes.js';
import { htmlExportRoutes } from './export/html/routes.js';
import { playwrightRoutes } from './export/playwright/routes.js';
import { savedSearchRoutes } from './api/saved-searches.js';
import { tokenRoutes } from './api/tokens.js';
import { userRoutes } from './api/users.js';
import { enforceAccess, recordApiRoutes } from './auth/access.js';
import { authRoutes, requireUser } from './auth/plugin.js';
import type { ServerConfig } from './config.js';
import { csrfGuard } from './http/csrf.js';
import { installErrorHandler } from './http/errors.js';
import { applyConnectionLimit, httpServerOptions } from './http/limits.js';
import { installSecurityHeaders } from './http/security-headers.js';
import { DEFAULT_SDK_DIR, DEFAULT_VIEWER_DIR, staticRoutes } from './http/static.js';
import { ingestRoutes } from './ingest/routes.js';
import { otlpRoutes } from './otlp/routes.js';
import { AssetCapture, type AssetCaptureOptions } from './assets/capture.js';
import { assetRoutes } from './assets/routes.js';
import { hasAssetStore } from './assets/types.js';
import { consentRoutes, linkApiRoutes } from './links/routes.js';
import { shareApiRoutes, sharePublicRoutes } from './shares/routes.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { webhookRoutes } from './webhooks/routes.js';
import { InProcessLiveBus, type LiveBus } from './live/bus.js';
import { liveRoutes } from './live/routes.js';
import { mcpRoutes } from './mcp/http.js';
import { startRetentionJob } from './lifecycle/retention.js';
import { refuseNul } from './http/nul-guard.js';
import { sourcemapRoutes } from './sourcemaps/routes.js';
import { hasChunkMaintenance, startChunkMaintenance } from './store/chunks/maintenance.js';
import type { Store } from './store/types.js';

export interface AppOptions {
  store: Store;
  config: ServerConfig;
  /** Key injected into the demo shop's recorder tag; the demo is mounted only when set. */
  demoProjectKey?: string;
  viewerDir?: string;
  sdkDir?: string;
  logger?: boolean;
  /** Fan-out of new batches to live viewers; in-process unless a shared one is passed. */
  bus?: LiveBus;
  /** Asset capture limits (assets/fetch.ts); the defaults otherwise. */
  assets?: AssetCaptureOptions;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { store, config } = opts;
  const app = Fastify({
    logger: opts.logger
      ? {
          level: process.env.LOG_LEVEL ?? 'info',
          // Link tokens are credentials: keep them out of request logs.
          serializers: {
            req: (req: { method: string; url: string; hostname?: string; ip?: string }) => ({
              method: req.method,
              url: redactSecrets(req.url),
              hostname: req.hostname,
              remoteAddress: req.ip,
            }),
          },
        }
      : false,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    ...httpServerOptions(config.http),
  });
  applyConnectionLimit(app.server, config.http);
  installErrorHandler(app);
  installSecurityHeaders(app);
  await app.register(fastifyCookie);

  if (config.retentionIntervalMinutes > 0) {
    const retention = startRetentionJob({ store, intervalMs: config.retentionIntervalMinutes * 60_000, log: app.log });
    app.addHook('onClose', async () => retention.stop());
  }
  if (config.compactAfterMinutes > 0 && hasChunkMaintenance(store)) {
    const chunkJob = startChunkMaintenance({ store, compactAfterMinutes: config.compactAfterMinutes, log: app.log });
    app.addHook('onClose', async () => chunkJob.stop());
  }

  // With PostgreSQL, several instances may share the data: live fan-out goes through LISTEN/NOTIFY.
  const bus = opts.bus ?? store.liveBus?.({ onError: (err) => app.log.warn({ err }, 'live bus') }) ?? new InProcessLiveBus();
  if (!opts.bus) app.addHook('onClose', async () => bus.close());
  // Assets the recordings load are captured in the background and served to replays (assets/).
  const assets = hasAssetStore(store) ? new AssetCapture(store, { log: app.log, ...opts.assets }) : undefined;
  if (assets) app.addHook('onClose', async () => assets.close());
  // Outgoing webhooks: ingest only queues a notice in memory; building and sending happen on the dispatcher's loop.
  const webhooks = new WebhookDispatcher(store, { ...config.webhooks, publicUrl: config.publicUrl, log: app.log });
  app.addHook('onClose', async () => webhooks.close());
  await app.register(ingestRoutes, {
    prefix: '/ingest/v1',
    store,
    bus,
    ipMode: config.ipMode,
    maxSessionBytes: config.maxSessionBytes,
    assets,
    webhooks,
  });
  // Backend spans and logs from OpenTelemetry exporters (otlp/, docs/otlp.md).
  await app.register(otlpRoutes, { prefix: '/otlp/v1', store, config: config.otlp });
  await app.register(consentRoutes, { store });
  await app.register(sharePublicRoutes, { store });
  await app.register(
    async (api) => {
      api.addHook('onRoute', recordApiRoutes(app));
      api.addHook('onRequest', csrfGuard({ publicUrl: config.publicUrlExplicit ? config.publicUrl : null }));
      api.addHook('onRequest', requireUser(store));
      // Before the access check, which looks the route's objects up by their ids.
      api.addHook('preValidation', refuseNul);
      // Every route's access rule (roles, projects, token scopes): auth/access.ts.
      api.addHook('preHandler', enforceAccess(store));
      await api.register(authRoutes, { store, config });
      await api.register(apiRoutes, { store });
      await api.register(lifecycleRoutes, { store });
      await api.register(problemRoutes, { store });
      await api.register(issueRoutes, { store });
      await api.register(digestRoutes, { store, config });
      await api.register(playwrightRoutes, { store, config });
      await api.register(htmlExportRoutes, { store });
      await api.register(savedSearchRoutes, { store });
      await api.register(commentRoutes, { store });
      await api.register(tokenRoutes, { store });
      await api.register(userRoutes, { store });
      await api.register(linkApiRoutes, { store, config });
      await api.register(shareApiRoutes, { store, config });
      await api.register(webhookRoutes, { store });
      await api.register(liveRoutes, { store, bus });
      await api.register(sourcemapRoutes, { store });
      if (assets && hasAssetStore(store)) await api.register(assetRoutes, { store, capture: assets });
    },
    { prefix: '/api/v1' },
  );
  // MCP tools for AI assistants (mcp/): bearer API tokens only, the same rights as /api/v1.
  await app.register(mcpRoutes, { store, config });

  if (opts.demoProjectKey)
    await mountDemo(app, opts.demoProjectKey, config.demoMode === 'on-demand' ? '/sdk/loader.js' : '/sdk/reprise.js');
  await staticRoutes(app, { viewerDir: opts.viewerDir ?? DEFAULT_VIEWER_DIR, sdkDir: opts.sdkDir ?? DEFAULT_SDK_DIR });
  return app;
}

/** `/l/<token>…`, `/s/<token>…` and `?link=<token>` with the token replaced. */
export function redactSecrets(url: string): string {
  return url
    .replace(/^\/l\/[^/?#]+/, '/l/[redacted]')
    .replace(/^\/s\/[^/?#]+/, '/s/[redacted]')
    .replace(/([?&]link=)[^&#]*/, '$1[redacted]');
}

/** The demo shop is an example workspace package; a deployment without it simply has no /demo/. */
async function mountDemo(app: FastifyInstance, projectKey: string, sdkUrl: string): Promise<void> {
  try {
    const mod = (await import('@reprise/demo-shop')) as {
      default: import('fastify').FastifyPluginAsync<{ projectKey: string; sdkUrl?: string }>;
    };
    await app.register(mod.default, { prefix: '/demo', projectKey, sdkUrl });
  } catch (err) {
    app.log.warn({ err }, 'demo shop not available');
  }
}
