import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC = fileURLToPath(new URL('../../examples/demo-shop/public/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface FrontEndOnly {
  /** The origin (the pages live under `/demo/`, as on the Reprise server). */
  origin: string;
  /** Paths of the API requests that reached this server (each answered 503). */
  apiRequests: string[];
  /** The public files served (`checkout.html`, `assets/checkout.js`), in order. */
  served: string[];
  close(): Promise<void>;
}

/** Changes a served file's text, e.g. a front end with a bug fixed. */
export type Patch = (file: string, text: string) => string;

/**
 * The demo shop's static front end at `/demo/` with its API stopped: every `/demo/api/*`
 * request answers 503, so only a spec's recorded responses can make a flow work. Pages are
 * served without the recorder tag. `/demo/<page>/<more>` falls back to `<page>.html`, as the
 * help page's client-side routes need.
 */
export async function startFrontEndOnly(patch: Patch = (_f, t) => t): Promise<FrontEndOnly> {
  const apiRequests: string[] = [];
  const served: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/demo/api/')) {
      apiRequests.push(path);
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"api_stopped"}');
      return;
    }
    void fileFor(path).then(async (file) => {
      if (!file) return void res.writeHead(404).end('not found');
      served.push(file);
      // As the shop's plugin does: the help page's relative URLs resolve against the shop's root.
      const text = patch(file, (await readFile(join(PUBLIC, file), 'utf8')).replace('<!-- reprise:base -->', '<base href="/demo/">'));
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    apiRequests,
    served,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The public file for a path under /demo/, or undefined. */
async function fileFor(path: string): Promise<string | undefined> {
  if (!path.startsWith('/demo/')) return undefined;
  const rel = normalize(path.slice('/demo/'.length));
  if (rel.startsWith('..')) return undefined;
  if (rel === '.' || rel === '') return 'index.html';
  if (rel.startsWith('assets/')) return (await exists(rel)) ? rel : undefined;
  const segments = rel.split('/');
  for (let n = segments.length; n > 0; n--) {
    const candidate = `${segments.slice(0, n).join('/')}.html`;
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

async function exists(rel: string): Promise<boolean> {
  try {
    await readFile(join(PUBLIC, rel));
    return true;
  } catch {
    return false;
  }
}
