import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Batch } from '@reprise/protocol';

/** One POST the fake ingest received, decompressed. */
export interface Received {
  encoding: string | null;
  contentType: string | null;
  /** Decompressed body text, for "secret never appears" checks. */
  text: string;
  batch: Batch;
  /** What the fake answered. */
  status: number;
  /** The `link` query parameter (support-link token), if any. */
  link: string | null;
}

export type IngestMode = 'ok' | 'error500' | 'unreachable';

/**
 * Stand-in for the Reprise server in recorder tests: serves test pages and the
 * built SDK, and records every batch POSTed to /ingest/v1/batch.
 */
export class FakeIngest {
  readonly received: Received[] = [];
  readonly pages = new Map<string, string>();
  /** Static files by URL path (e.g. the ESM build for module-script pages). */
  readonly files = new Map<string, { type: string; path: string }>();
  mode: IngestMode = 'ok';
  base = '';
  /** Every request received (method and path with query), in order. */
  readonly requests: string[] = [];
  /** Link tokens the fake refuses with 403 `{error: code}` (e.g. 'link_revoked'). */
  readonly linkErrors = new Map<string, string>();
  private server: Server | null = null;

  /** `loaderPath` defaults to loader.js next to the SDK. */
  constructor(
    private readonly sdkPath: string,
    private readonly loaderPath: string = join(dirname(sdkPath), 'loader.js'),
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  /** Batches that were accepted (status 200). */
  accepted(): Received[] {
    return this.received.filter((r) => r.status === 200);
  }

  forSession(id: string): Received[] {
    return this.accepted().filter((r) => r.batch.sessionId === id);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    this.requests.push(`${req.method ?? 'GET'} ${url.pathname}${url.search}`);
    if (req.method === 'GET' && url.pathname === '/sdk/loader.js') {
      res.setHeader('content-type', 'text/javascript');
      res.end(readFileSync(this.loaderPath));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/sdk/reprise.js') {
      res.setHeader('content-type', 'text/javascript');
      res.end(readFileSync(this.sdkPath));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/ingest/v1/batch') {
      if (this.mode === 'unreachable') {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'] ?? null;
      const text = (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const batch = JSON.parse(text) as Batch;
      const link = url.searchParams.get('link');
      const linkError = link !== null ? this.linkErrors.get(link) : undefined;
      const status = url.searchParams.get('key') !== 'test-key' ? 401 : linkError ? 403 : this.mode === 'error500' ? 500 : 200;
      this.received.push({ encoding, contentType: req.headers['content-type'] ?? null, text, batch, status, link });
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(
        status === 200
          ? JSON.stringify({ ok: true, sessionId: batch.sessionId, seq: batch.seq, duplicate: false })
          : JSON.stringify({ error: linkError ?? 'fail', message: 'test' }),
      );
      return;
    }
    const file = this.files.get(url.pathname);
    if (req.method === 'GET' && file) {
      res.setHeader('content-type', file.type);
      res.end(readFileSync(file.path));
      return;
    }
    const page = this.pages.get(url.pathname);
    if (req.method === 'GET' && page !== undefined) {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(page);
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  }
}

/** The script tag a site would paste, plus test-only data attributes. */
export function sdkTag(attrs: Record<string, string | number | boolean> = {}): string {
  const all: Record<string, string | number | boolean> = { 'data-project-key': 'test-key', 'data-flush-interval-ms': 200, ...attrs };
  const a = Object.entries(all)
    .map(([k, v]) => `${k}="${String(v)}"`)
    .join(' ');
  return `<script src="/sdk/reprise.js" ${a} async></script>`;
}

export function html(head: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>test page</title>${head}</head><body>${body}</body></html>`;
}
