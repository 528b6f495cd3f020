import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { notFound } from './errors.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Built assets of the sibling workspace packages (packages/server/dist → packages/*). */
export const DEFAULT_VIEWER_DIR = path.resolve(here, '../../../viewer/dist');
export const DEFAULT_SDK_DIR = path.resolve(here, '../../../recorder/dist/browser');

/**
 * The viewer runs recorded DOM inside rrweb's sandboxed iframe (no allow-scripts);
 * this CSP is the second wall: nothing but our own bundle may run in our origin.
 */
export const VIEWER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  'img-src * data: blob:',
  'font-src * data:',
  'media-src * data: blob:',
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_SPA = /^\/(api|ingest|sdk|demo|v1)(\/|$)/;

/** Called on the root instance (not registered), so its 404 handler covers every path. */
export async function staticRoutes(app: FastifyInstance, opts: { viewerDir: string; sdkDir: string }): Promise<void> {
  if (existsSync(opts.sdkDir)) {
    await app.register(fastifyStatic, {
      root: opts.sdkDir,
      prefix: '/sdk/',
      decorateReply: false,
      maxAge: '5m',
      // Any site may embed the SDK. reprise.js imports its lazy chunk (reprise-codec.<hash>.js)
      // as a module, which a page of another origin may only do with CORS; nothing here is private.
      setHeaders: (res) => {
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        res.setHeader('Access-Control-Allow-Origin', '*');
      },
    });
  } else {
    app.log.warn(`recorder build not found at ${opts.sdkDir}; /sdk/ is unavailable (run npm run build)`);
  }

  const indexFile = path.join(opts.viewerDir, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn(`viewer build not found at ${opts.viewerDir}; run npm run build`);
    app.get('/', async (_req, reply) => reply.type('text/plain').send('Reprise is running; the viewer is not built (npm run build).'));
    app.setNotFoundHandler(notFound);
    return;
  }
  await app.register(fastifyStatic, {
    root: opts.viewerDir,
    prefix: '/',
    wildcard: true,
    index: false,
    setHeaders: (res, file) => {
      if (file.endsWith('.html')) res.setHeader('Content-Security-Policy', VIEWER_CSP);
      if (file.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    },
  });
  const indexHtml = await readFile(indexFile);
  const sendIndex = (reply: import('fastify').FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('Content-Security-Policy', VIEWER_CSP)
      .header('Cache-Control', 'no-cache')
      .send(indexHtml);
  app.get('/', async (_req, reply) => sendIndex(reply));
  // Client-side routes (/login, /sessions/:id) get the SPA shell; API-like paths keep their JSON 404.
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    if (req.method === 'GET' && !NOT_SPA.test(url) && !path.extname(url)) return sendIndex(reply);
    return notFound(req, reply);
  });
}
