import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { recorderTag, type Variant } from './recorder-variants.js';

/** Files the page server answers itself; everything else goes to the Reprise server. */
export interface PageFiles {
  /** Workload bundle (bench/pages/workloads.ts). */
  workloads: string;
  /** Plain rrweb + console plugin bundle. */
  rrweb: string;
  /** The Reprise SDK, pinned for the whole benchmark. */
  sdk: Buffer;
}

/** The synthetic workload page: the workload code only; the harness injects the recorder later. */
const WORKLOAD_PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><title>recorder workload</title>' +
  '<script src="/bench/workloads.js"></script></head><body><h1>Recorder workload</h1></body></html>';

// The demo shop's recorder tag, as its plugin writes it.
const DEMO_TAG = /<script src="\/sdk\/reprise\.js"[^>]*><\/script>/;

function variantOf(url: URL): Variant {
  const v = url.searchParams.get('recorder');
  return v === 'rrweb' || v === 'reprise' ? v : 'none';
}

/**
 * Loopback origin the browser loads everything from: the workload page and bundles, and,
 * proxied to the in-process Reprise server, the demo shop (its recorder tag rewritten to
 * the variant named by `?recorder=`) and the ingest endpoint the Reprise SDK uploads to
 * (same origin as the SDK, its default endpoint). Counts acknowledged ingest POSTs.
 */
export class PageServer {
  ingestAcks = 0;
  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(upstream: string, projectKey: string, files: PageFiles): Promise<PageServer> {
    const up = new URL(upstream);
    let self: PageServer | null = null;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const send = (type: string, body: string | Buffer) =>
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      if (req.method === 'GET') {
        if (url.pathname === '/bench/page.html') return send('text/html; charset=utf-8', WORKLOAD_PAGE);
        if (url.pathname === '/bench/workloads.js') return send('text/javascript', files.workloads);
        if (url.pathname === '/bench/rrweb.js') return send('text/javascript', files.rrweb);
        if (url.pathname === '/bench/none.js') return send('text/javascript', 'window.__benchNone = true;');
        if (url.pathname === '/sdk/reprise.js') return send('text/javascript', files.sdk);
      }
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () =>
        proxyToServer(
          up,
          req,
          res,
          url,
          Buffer.concat(parts),
          (u) => recorderTag(variantOf(u), projectKey, true),
          (status) => {
            if (req.method === 'POST' && url.pathname === '/ingest/v1/batch' && status === 200) self!.ingestAcks++;
          },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new PageServer(server, `http://localhost:${port}`);
    return self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Forwards a request (its body read already) to the Reprise server at `up`. A demo page's
 * recorder tag is replaced by `tagFor(url)`; `onStatus` sees the status of every other answer.
 */
export function proxyToServer(
  up: URL,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
  tagFor: (url: URL) => string,
  onStatus?: (status: number) => void,
): void {
  const headers: IncomingHttpHeaders = { ...req.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  delete headers['accept-encoding']; // uncompressed answers, so demo pages can be rewritten
  const isDemoPage =
    req.method === 'GET' &&
    url.pathname.startsWith('/demo/') &&
    !url.pathname.startsWith('/demo/assets/') &&
    !url.pathname.startsWith('/demo/api/');
  const upReq = httpRequest(
    { host: up.hostname === 'localhost' ? '127.0.0.1' : up.hostname, port: up.port, method: req.method, path: req.url, headers },
    (upRes) => {
      if (!isDemoPage || !String(upRes.headers['content-type'] ?? '').startsWith('text/html')) {
        onStatus?.(upRes.statusCode ?? 502);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        return;
      }
      const parts: Buffer[] = [];
      upRes.on('data', (c: Buffer) => parts.push(c));
      upRes.on('end', () => {
        const html = Buffer.concat(parts).toString('utf8').replace(DEMO_TAG, tagFor(url));
        res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, 'content-length': String(Buffer.byteLength(html)) }).end(html);
      });
    },
  );
  upReq.on('error', (err) => res.writeHead(502).end(String(err)));
  upReq.end(body);
}
