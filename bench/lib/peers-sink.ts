import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerPosthog, answerOpenReplay, answerSentry, type PeerAnswer } from './peers-answers.js';
import { PEERS, scriptTag, type PeerName, type SinkName } from './peers-recorders.js';
import { proxyToServer } from './recorder-pages.js';

/** Files the bench origin serves itself. */
export interface PeerFiles {
  /** Workload bundle (bench/pages/workloads.ts). */
  workloads: string;
  /** Peer bundles by file name (`sentry.js`, `posthog.js`, …). */
  bundles: Map<string, string>;
  /** PostHog's lazily loaded scripts by file name (`lazy-recorder.js`, …). */
  posthogStatic: Map<string, string>;
  /** The Reprise SDK, pinned for the whole benchmark. */
  sdk: Buffer;
}

/** One upload a sink received: the body as it came over the wire (compressed as sent). */
export interface Upload {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const WORKLOAD_PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><title>recorder workload</title>' +
  '<script src="/bench/workloads.js"></script></head><body><h1>Recorder workload</h1></body></html>';

function peerOf(url: URL): PeerName {
  const p = url.searchParams.get('peer');
  return (PEERS as readonly string[]).includes(p ?? '') ? (p as PeerName) : 'rrweb';
}

/** Uploads that carry the recording itself (not config, events or session starts): what a drain waits for. */
function isRecording(sink: SinkName, pathname: string): boolean {
  if (sink === 'posthog') return pathname.startsWith('/ph/s/');
  if (sink === 'openreplay') return pathname === '/or/v1/web/i';
  return true;
}

function sinkOf(pathname: string): SinkName | null {
  if (pathname.startsWith('/ingest/')) return 'reprise';
  if (/^\/api\/\d+\/envelope\//.test(pathname)) return 'sentry';
  if (pathname.startsWith('/ph/')) return 'posthog';
  if (pathname.startsWith('/or/')) return 'openreplay';
  return null;
}

/**
 * The loopback origin of the peers benchmark: the workload page and every recorder's script,
 * the peers' sinks (Sentry's envelope endpoint, PostHog's config, flags, lazy recorder and
 * capture endpoints, OpenReplay's start and ingest endpoints), and, proxied to the in-process
 * Reprise server, the demo shop (its recorder tag rewritten to the recorder named by `?peer=`)
 * and Reprise's ingest. Every request body a sink receives is counted as it came on the wire
 * (POST bodies; the requests a peer makes to learn its config are counted too).
 */
export class PeerSink {
  private readonly uploads = new Map<SinkName, Upload[]>();
  /** PostHog's lazily loaded scripts the pages asked for (part of what always-on recording loads). */
  readonly posthogStaticServed = new Set<string>();
  /** Total body bytes per sink since start (never reset), and when the last recording upload arrived. */
  readonly totals = new Map<SinkName, { bytes: number; requests: number; lastAt: number }>();

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(upstream: string, projectKey: string, files: PeerFiles): Promise<PeerSink> {
    const up = new URL(upstream);
    let self: PeerSink | null = null;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const send = (type: string, body: string | Buffer) =>
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      if (req.method === 'GET') {
        if (url.pathname === '/bench/page.html') return send('text/html; charset=utf-8', WORKLOAD_PAGE);
        if (url.pathname === '/bench/workloads.js') return send('text/javascript', files.workloads);
        if (url.pathname === '/sdk/reprise.js') return send('text/javascript', files.sdk);
        const peer = /^\/bench\/peer\/([a-z]+\.js)$/.exec(url.pathname);
        if (peer && files.bundles.has(peer[1]!)) return send('text/javascript', files.bundles.get(peer[1]!)!);
        if (url.pathname.startsWith('/ph/static/')) self!.posthogStaticServed.add(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const sink = sinkOf(url.pathname);
        if (sink && body.length > 0) self!.record(sink, { path: url.pathname, query: url.searchParams, headers: req.headers, body });
        if (sink === 'reprise' || sink === null) return proxyToServer(up, req, res, url, body, (u) => scriptTag(peerOf(u), projectKey));
        const answer: PeerAnswer | null =
          sink === 'sentry'
            ? answerSentry()
            : sink === 'posthog'
              ? answerPosthog(url, req.method ?? 'GET', files.posthogStatic)
              : answerOpenReplay(url);
        if (!answer) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not a sink endpoint');
        res.writeHead(answer.status, { 'content-type': answer.type, 'cache-control': 'no-store' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new PeerSink(server, `http://localhost:${port}`);
    return self;
  }

  private record(sink: SinkName, u: Upload): void {
    const list = this.uploads.get(sink) ?? [];
    list.push(u);
    this.uploads.set(sink, list);
    const t = this.totals.get(sink) ?? { bytes: 0, requests: 0, lastAt: 0 };
    t.bytes += u.body.length;
    t.requests++;
    if (isRecording(sink, u.path)) t.lastAt = Date.now();
    this.totals.set(sink, t);
  }

  /** The uploads a sink received since the last take, and forgets them. */
  take(sink: SinkName): Upload[] {
    const list = this.uploads.get(sink) ?? [];
    this.uploads.set(sink, []);
    return list;
  }

  /** When the sink last received an upload of recording data (0: never). */
  lastUploadAt(sink: SinkName): number {
    return this.totals.get(sink)?.lastAt ?? 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
