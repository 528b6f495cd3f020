import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { BrowserContext, Request } from 'playwright-core';

/** What the recorder put on the wire to the ingest endpoint. */
export interface WireTotals {
  requests: number;
  /** Request bodies exactly as sent (gzip when Content-Encoding: gzip). */
  sentBytes: number;
  /** Same bodies after gunzip (equal to sentBytes for uncompressed bodies). */
  decompressedBytes: number;
  gzipRequests: number;
  /** Requests whose body could not be read (not counted in the bytes). */
  bodiesUnavailable: number;
}

const emptyTotals = (): WireTotals => ({ requests: 0, sentBytes: 0, decompressedBytes: 0, gzipRequests: 0, bodiesUnavailable: 0 });

function addBody(t: WireTotals, body: Buffer | null): void {
  t.requests++;
  if (!body) {
    t.bodiesUnavailable++;
    return;
  }
  t.sentBytes += body.length;
  const gzip = body.length > 2 && body[0] === 0x1f && body[1] === 0x8b;
  if (gzip) t.gzipRequests++;
  t.decompressedBytes += gzip ? gunzipSync(body).length : body.length;
}

const INGEST_PATH = '/ingest/v1/batch';

/**
 * Browser-side view: playwright's context-level request events. Chromium does
 * not report keepalive fetches sent while the page unloads, so this misses the
 * pagehide flush; it is kept as a cross-check of the proxy's figures.
 */
export class PlaywrightIngestCapture {
  readonly totals = emptyTotals();
  constructor(context: BrowserContext) {
    context.on('request', (r: Request) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === INGEST_PATH) addBody(this.totals, r.postDataBuffer());
    });
  }
}

/**
 * Wire-side view: a loopback HTTP proxy in front of the server. The browser
 * loads the shop through it, so every ingest POST (keepalive ones included)
 * passes here and its body is counted byte for byte before being forwarded.
 */
export class CountingProxy {
  readonly totals = emptyTotals();
  private inFlight = 0;
  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  /**
   * `pinned` maps a GET path to the bytes to serve instead of forwarding, used to
   * pin the recorder bundle for a whole benchmark while it may be rebuilt on disk.
   */
  static async start(target: string, pinned: ReadonlyMap<string, Buffer> = new Map()): Promise<CountingProxy> {
    const t = new URL(target);
    let self: CountingProxy | null = null;
    const server = createServer((req, res) => {
      const proxy = self!;
      const pin = req.method === 'GET' ? pinned.get((req.url ?? '').split('?')[0] ?? '') : undefined;
      if (pin) {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }).end(pin);
        return;
      }
      proxy.inFlight++;
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const body = Buffer.concat(parts);
        if (req.method === 'POST' && (req.url ?? '').split('?')[0] === INGEST_PATH) addBody(proxy.totals, body);
        const headers: IncomingHttpHeaders = { ...req.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        const up = httpRequest({ host: t.hostname === 'localhost' ? '127.0.0.1' : t.hostname, port: t.port, method: req.method, path: req.url, headers }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          upRes.on('end', () => proxy.inFlight--);
        });
        up.on('error', (err) => {
          proxy.inFlight--;
          res.writeHead(502).end(String(err));
        });
        up.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new CountingProxy(server, `http://localhost:${port}`);
    return self;
  }

  /** Requests received and not yet answered. */
  get pending(): number {
    return this.inFlight;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
