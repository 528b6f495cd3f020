import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import {
  DICTIONARY_UNAVAILABLE,
  decodeDeltaForm,
  deflateCodingOf,
  deltaFormReference,
  isStaticDictionaryId,
  parseDictionaryRef,
  presetDictionary,
  referenceText,
  REFERENCE_MAX_BYTES,
  staticDictionaryBytes,
  type Batch,
} from '@reprise/protocol';

/** One POST the fake ingest received, decompressed. */
export interface Received {
  /** Content-Encoding; a delta-form body (`reprise-delta, deflate[, deflate]`) shows as `deflate`, with `delta` true. */
  encoding: string | null;
  /** The body was the batch's delta form. */
  delta: boolean;
  /** The delta form's zlib stream was deflated once more (`reprise-delta, deflate, deflate`). */
  twice: boolean;
  contentType: string | null;
  /** Decompressed body text, for "secret never appears" checks. */
  text: string;
  /** Bytes on the wire. */
  size: number;
  /** `dict` and `ref` query parameters of a deflate body. */
  dict: string | null;
  ref: string | null;
  batch: Batch;
  /** What the fake answered. */
  status: number;
  /** The `link` query parameter (support-link token), if any. */
  link: string | null;
  /** The X-Reprise-Session-Key header, if any. */
  sessionKey: string | null;
  /** When it arrived (Date.now()). */
  at: number;
}

/** A scripted answer to one batch (see FakeIngest.respond). */
export interface ScriptedAnswer {
  status: number;
  error?: string;
  headers?: Record<string, string>;
}

export type IngestMode = 'ok' | 'error500' | 'unreachable';

/**
 * REPRISE_TEST_CHUNK_DELAY_MS=1500 serves every lazy chunk that late: a run of the browser tests
 * with it finds those that assume the chunks come quickly (they may not on a loaded CI machine).
 */
const CHUNK_DELAY_MS = Number(process.env.REPRISE_TEST_CHUNK_DELAY_MS) || 0;

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
  /**
   * Deflate bodies: 'ok' decodes them like the server (static dictionary + a reference to an
   * accepted batch, else 422 dictionary_unavailable); 'unsupported' answers 415 to every
   * deflate body, like a server older than the encoding.
   */
  deflate: 'ok' | 'unsupported' = 'ok';
  /** Answers 404 to the SDK's lazy chunks, as an SDK host that lacks them (or a failed fetch) would. */
  refuseChunks = false;
  /** Never answers requests for the SDK's lazy chunks (a slow network): what must not wait for them doesn't. */
  holdChunks = false;
  /** Answers the chunk requests held so far (a slow network catching up) and holds no more. */
  releaseChunks(): void {
    this.holdChunks = false;
    for (const serve of this.held.splice(0)) serve();
  }
  private readonly held: Array<() => void> = [];
  /**
   * 'unsupported': 415 to delta-form bodies only, like a server that takes deflate but predates the
   * delta form; 'once-only': 415 to delta-form bodies deflated twice, like one that predates that.
   */
  deltaForm: 'ok' | 'unsupported' | 'once-only' = 'ok';
  /**
   * Scripted answers: called for every decoded batch (with how many times this session and seq
   * were received before); a non-null answer replaces the normal one.
   */
  respond: ((batch: Batch, previousAttempts: number) => ScriptedAnswer | null) | null = null;
  /** Accepted batches (`<sessionId>.<seq>`) the fake acts as if it lacked, as dictionary references. */
  readonly forgotten = new Set<string>();
  /**
   * Requests to `/echo/…` (any origin may call it: it answers CORS preflights for any header; it
   * answers `ok`, as text/plain or the `?type=` given), with the headers the server received, for
   * trace-context checks.
   */
  readonly echoed: { path: string; headers: Record<string, string | string[] | undefined> }[] = [];
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

  /** Back to answering every request normally (after each test: one that fails midway must not fail the next). */
  reset(): void {
    this.mode = 'ok';
    this.deflate = 'ok';
    this.deltaForm = 'ok';
    this.respond = null;
    this.refuseChunks = false;
    this.releaseChunks();
    this.linkErrors.clear();
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  /** Batches that were accepted (status 200). */
  accepted(): Received[] {
    return this.received.filter((r) => r.status === 200);
  }

  /**
   * A session's accepted batches, each seq once, as the real server stores them: a batch may
   * legitimately arrive twice (the in-flight one re-sent with keepalive at pagehide).
   */
  forSession(id: string): Received[] {
    const seen = new Set<number>();
    return this.accepted().filter((r) => r.batch.sessionId === id && !seen.has(r.batch.seq) && !!seen.add(r.batch.seq));
  }

  /** Deflate bodies refused with 415/422 (the recorder must send them again as gzip). */
  readonly refusals: {
    status: number;
    dict: string | null;
    ref: string | null;
    seq: number | null;
    delta: boolean;
    twice: boolean;
    text: string | null;
  }[] = [];

  /** The JSON and seq of a deflate body, when the fake can decode it. */
  private peek(raw: Buffer, dict: string | null, ref: string | null, delta: boolean): { seq: number | null; text: string | null } {
    try {
      const text = this.inflate(raw, dict, ref, delta).toString('utf8');
      return { seq: (JSON.parse(text) as Batch).seq, text };
    } catch {
      return { seq: null, text: null };
    }
  }

  /** Inflates like the server: the dictionary is the static one plus an accepted batch's NDJSON. */
  private inflate(raw: Buffer, dict: string | null, ref: string | null, delta: boolean): Buffer {
    const undelta = (b: Buffer) => (delta ? Buffer.from(decodeDeltaForm(b)!) : b);
    if (dict === null) return undelta(inflateSync(raw));
    if (!isStaticDictionaryId(dict)) throw new Error(`unknown dictionary ${dict}`);
    let refBytes: Uint8Array | null = null;
    if (ref !== null) {
      const stored = this.reference(ref);
      if (!stored) throw new Error(`reference ${ref} was never accepted`);
      const lines = stored.batch.events.map((e) => JSON.stringify({ t: e.t, kind: e.kind, data: e.data }));
      refBytes = Buffer.from(referenceText(lines), 'utf8').subarray(0, REFERENCE_MAX_BYTES);
    }
    if (refBytes && delta) refBytes = deltaFormReference(refBytes);
    return undelta(inflateSync(raw, { dictionary: presetDictionary(staticDictionaryBytes(dict), refBytes) }));
  }

  private reference(ref: string): Received | undefined {
    const r = parseDictionaryRef(ref);
    if (!r || this.forgotten.has(ref)) return undefined;
    return this.accepted().find((x) => x.batch.sessionId === r.sessionId && x.batch.seq === r.seq);
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
    // The SDK's lazy chunks (reprise-<name>.<hash>.js), with CORS like the server's /sdk/ route.
    const chunk = /^\/sdk\/(reprise-[a-z]+\.[\w-]+\.js)$/.exec(url.pathname);
    const chunkFile = chunk && join(dirname(this.sdkPath), chunk[1]!);
    const serveChunk = (): void => {
      res.setHeader('content-type', 'text/javascript');
      res.setHeader('access-control-allow-origin', '*');
      res.end(readFileSync(chunkFile!));
    };
    if (req.method === 'GET' && chunkFile && this.holdChunks) {
      if (existsSync(chunkFile)) this.held.push(serveChunk);
      return;
    }
    if (req.method === 'GET' && chunkFile && !this.refuseChunks && existsSync(chunkFile)) {
      if (CHUNK_DELAY_MS > 0) setTimeout(serveChunk, CHUNK_DELAY_MS);
      else serveChunk();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/ingest/v1/batch') {
      if (this.mode === 'unreachable') {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const wire = Buffer.concat(chunks);
      const header = req.headers['content-encoding']?.replace(/\s+/g, '').toLowerCase() ?? null;
      const coding = header === null ? null : deflateCodingOf(header);
      const delta = coding === 'delta' || coding === 'delta-twice';
      const twice = coding === 'delta-twice';
      const encoding = coding ? 'deflate' : header;
      // Deflated twice: the outer stream (no dictionary) holds the zlib stream the rest reads.
      const raw = twice ? inflateSync(wire) : wire;
      const dict = url.searchParams.get('dict');
      const ref = url.searchParams.get('ref');
      res.setHeader('content-type', 'application/json');
      if (encoding === 'deflate') {
        const unsupported =
          this.deflate === 'unsupported' || (delta && this.deltaForm === 'unsupported') || (twice && this.deltaForm === 'once-only');
        const refused = unsupported ? 415 : ref !== null && !this.reference(ref) ? 422 : 0;
        if (refused) {
          this.refusals.push({ status: refused, dict, ref, delta, twice, ...this.peek(raw, dict, ref, delta) });
          res.statusCode = refused;
          res.end(JSON.stringify({ error: refused === 415 ? 'unsupported_encoding' : DICTIONARY_UNAVAILABLE, message: 'test' }));
          return;
        }
      }
      const text = (encoding === 'gzip' ? gunzipSync(raw) : encoding === 'deflate' ? this.inflate(raw, dict, ref, delta) : raw).toString(
        'utf8',
      );
      const batch = JSON.parse(text) as Batch;
      const link = url.searchParams.get('link');
      const linkError = link !== null ? this.linkErrors.get(link) : undefined;
      const before = this.received.filter((r) => r.batch.sessionId === batch.sessionId && r.batch.seq === batch.seq).length;
      const scripted = this.respond?.(batch, before) ?? null;
      const status =
        url.searchParams.get('key') !== 'test-key'
          ? 401
          : linkError
            ? 403
            : scripted
              ? scripted.status
              : this.mode === 'error500'
                ? 500
                : 200;
      const sessionKey = req.headers['x-reprise-session-key'];
      this.received.push({
        encoding,
        delta,
        twice,
        contentType: req.headers['content-type'] ?? null,
        text,
        batch,
        status,
        link,
        size: wire.length,
        dict,
        ref,
        sessionKey: typeof sessionKey === 'string' ? sessionKey : null,
        at: Date.now(),
      });
      res.statusCode = status;
      for (const [k, v] of Object.entries(scripted?.headers ?? {})) res.setHeader(k, v);
      res.end(
        status === 200
          ? JSON.stringify({ ok: true, sessionId: batch.sessionId, seq: batch.seq, duplicate: false })
          : JSON.stringify({ error: linkError ?? scripted?.error ?? 'fail', message: 'test' }),
      );
      return;
    }
    if (url.pathname.startsWith('/echo/')) {
      res.setHeader('access-control-allow-origin', '*');
      if (req.method === 'OPTIONS') {
        res.setHeader('access-control-allow-methods', 'GET, POST');
        res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '*');
        res.statusCode = 204;
        res.end();
        return;
      }
      for await (const _c of req) void _c;
      this.echoed.push({ path: url.pathname, headers: { ...req.headers } });
      // `?type=`: the answer's content type (a binary one, say).
      res.setHeader('content-type', url.searchParams.get('type') ?? 'text/plain');
      res.end('ok');
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
