import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { BrowserContext, Request } from 'playwright-core';
import {
  DICT_PARAM,
  REF_PARAM,
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

/** What the recorder put on the wire to the ingest endpoint. */
export interface WireTotals {
  requests: number;
  /** Request bodies exactly as sent (every request, refused ones included). */
  sentBytes: number;
  /** Same bodies decompressed (equal to the sent size for uncompressed bodies). */
  decompressedBytes: number;
  gzipRequests: number;
  /** Content-Encoding: deflate, against the static dictionary alone / with a session reference (or none). */
  deflateRequests: number;
  deflateRefRequests: number;
  /** Of the deflate requests: the batch's delta form (Content-Encoding: reprise-delta, deflate[, deflate]). */
  deltaRequests: number;
  /** Of the delta-form requests: deflated a second time (reprise-delta, deflate, deflate). */
  deltaTwiceRequests: number;
  plainRequests: number;
  /** Answered 200 (stored or duplicate). */
  acceptedRequests: number;
  /** Distinct (session, seq) among them: a batch re-sent by the pagehide flush is acknowledged twice, stored once. */
  acceptedBatches: number;
  /** Refused with 415/422 because of the encoding or dictionary (the recorder sends them again). */
  dictionaryRefusals: number;
  dictionaryRefusedBytes: number;
  /** Requests whose body could not be read or decoded (not counted in decompressedBytes). */
  bodiesUnavailable: number;
}

const emptyTotals = (): WireTotals => ({
  requests: 0,
  sentBytes: 0,
  decompressedBytes: 0,
  gzipRequests: 0,
  deflateRequests: 0,
  deflateRefRequests: 0,
  deltaRequests: 0,
  deltaTwiceRequests: 0,
  plainRequests: 0,
  acceptedRequests: 0,
  acceptedBatches: 0,
  dictionaryRefusals: 0,
  dictionaryRefusedBytes: 0,
  bodiesUnavailable: 0,
});

const INGEST_PATH = '/ingest/v1/batch';

export interface WireRequest {
  body: Buffer;
  encoding: string;
  dict: string | null;
  ref: string | null;
  status: number | null;
}

/**
 * The ingest requests of one recording, decoded like the server does: gzip, or zlib against
 * the static dictionary plus an earlier batch of the session (the reference text is rebuilt
 * from that batch's decoded events, so nothing is taken from the server).
 */
class WireLog {
  readonly entries: WireRequest[] = [];

  /** Each request with its decoded JSON (null when it could not be decoded), in arrival order. */
  decoded(): { request: WireRequest; raw: Buffer | null }[] {
    const { decoded } = this.decodeAll();
    return this.entries.map((request) => ({ request, raw: decoded.get(request) ?? null }));
  }

  private decodeAll(): { decoded: Map<WireRequest, Buffer | null>; keys: Map<WireRequest, string> } {
    const refs = new Map<string, Uint8Array>();
    const decoded = new Map<WireRequest, Buffer | null>();
    const keys = new Map<WireRequest, string>();
    // References are sent before the batches that use them, but arrival order can differ
    // slightly (keepalive): decode in passes until nothing more resolves.
    for (let progress = true; progress;) {
      progress = false;
      for (const e of this.entries) {
        if (decoded.has(e)) continue;
        const raw = decode(e, refs);
        if (raw === undefined) continue;
        decoded.set(e, raw);
        progress = true;
        if (raw) {
          try {
            const batch = JSON.parse(raw.toString('utf8')) as Batch;
            keys.set(e, `${batch.sessionId}.${batch.seq}`);
            const lines = batch.events.map((ev) => JSON.stringify({ t: ev.t, kind: ev.kind, data: ev.data }));
            refs.set(`${batch.sessionId}.${batch.seq}`, Buffer.from(referenceText(lines), 'utf8').subarray(0, REFERENCE_MAX_BYTES));
          } catch {
            /* not a batch: nothing to reference */
          }
        }
      }
    }
    return { decoded, keys };
  }

  totals(): WireTotals {
    const t = emptyTotals();
    const { decoded, keys } = this.decodeAll();
    const accepted = new Set<string>();
    for (const e of this.entries) {
      t.requests++;
      t.sentBytes += e.body.length;
      if (e.encoding === 'gzip') t.gzipRequests++;
      else if (deflateCodingOf(e.encoding)) {
        const coding = deflateCodingOf(e.encoding);
        if (coding !== 'deflate') t.deltaRequests++;
        if (coding === 'delta-twice') t.deltaTwiceRequests++;
        if (e.ref) t.deflateRefRequests++;
        else t.deflateRequests++;
      } else t.plainRequests++;
      if (e.status === 200) {
        t.acceptedRequests++;
        accepted.add(keys.get(e) ?? `undecoded ${t.requests}`);
      }
      if (e.status === 415 || e.status === 422) {
        t.dictionaryRefusals++;
        t.dictionaryRefusedBytes += e.body.length;
      }
      const raw = decoded.get(e);
      if (raw) t.decompressedBytes += raw.length;
      else t.bodiesUnavailable++;
    }
    t.acceptedBatches = accepted.size;
    return t;
  }
}

/** The body's JSON bytes; null when it cannot be decoded; undefined while its reference is unknown. */
function decode(e: WireRequest, refs: ReadonlyMap<string, Uint8Array>): Buffer | null | undefined {
  try {
    if (e.encoding === 'gzip') return gunzipSync(e.body);
    const coding = deflateCodingOf(e.encoding);
    if (!coding) return e.body;
    const delta = coding !== 'deflate';
    const undelta = (b: Buffer) => (delta ? Buffer.from(decodeDeltaForm(b)!) : b);
    const body = coding === 'delta-twice' ? inflateSync(e.body) : e.body;
    if (e.dict === null) return undelta(inflateSync(body));
    if (!isStaticDictionaryId(e.dict)) return null;
    let ref: Uint8Array | null = null;
    if (e.ref !== null) {
      const r = parseDictionaryRef(e.ref);
      if (!r) return null;
      const found = refs.get(`${r.sessionId}.${r.seq}`);
      if (!found) return undefined;
      ref = found;
    }
    if (ref && delta) ref = deltaFormReference(ref);
    return undelta(inflateSync(body, { dictionary: presetDictionary(staticDictionaryBytes(e.dict), ref) }));
  } catch {
    return null;
  }
}

/**
 * Browser-side view: playwright's context-level request events. Chromium does
 * not report keepalive fetches sent while the page unloads, so this misses the
 * pagehide flush; it is kept as a cross-check of the proxy's byte count.
 */
export class PlaywrightIngestCapture {
  readonly totals = { requests: 0, sentBytes: 0 };
  constructor(context: BrowserContext) {
    context.on('request', (r: Request) => {
      if (r.method() !== 'POST' || new URL(r.url()).pathname !== INGEST_PATH) return;
      this.totals.requests++;
      this.totals.sentBytes += r.postDataBuffer()?.length ?? 0;
    });
  }
}

/**
 * Wire-side view: a loopback HTTP proxy in front of the server. The browser
 * loads the shop through it, so every ingest POST (keepalive ones included)
 * passes here and its body is kept byte for byte before being forwarded.
 */
export class CountingProxy {
  private readonly log = new WireLog();
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
        const url = new URL(req.url ?? '/', 'http://proxy');
        let entry: WireRequest | null = null;
        if (req.method === 'POST' && url.pathname === INGEST_PATH) {
          entry = {
            body,
            encoding: String(req.headers['content-encoding'] ?? 'identity')
              .replace(/\s+/g, '')
              .toLowerCase(),
            dict: url.searchParams.get(DICT_PARAM),
            ref: url.searchParams.get(REF_PARAM),
            status: null,
          };
          proxy.log.entries.push(entry);
        }
        const headers: IncomingHttpHeaders = { ...req.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        const up = httpRequest(
          { host: t.hostname === 'localhost' ? '127.0.0.1' : t.hostname, port: t.port, method: req.method, path: req.url, headers },
          (upRes) => {
            if (entry) entry.status = upRes.statusCode ?? null;
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
            upRes.on('end', () => proxy.inFlight--);
          },
        );
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

  /** Totals of every ingest request so far (decoded on each call). */
  get totals(): WireTotals {
    return this.log.totals();
  }

  /** Every ingest request so far with its decoded JSON (for per-batch breakdowns). */
  requests(): { request: WireRequest; raw: Buffer | null }[] {
    return this.log.decoded();
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
