import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import {
  CURRENT_STATIC_DICTIONARY,
  DICT_PARAM,
  presetDictionary,
  SESSION_KEY_HEADER,
  staticDictionaryBytes,
  type ReplayEvent,
} from '@reprise/protocol';
import { createRng, type Rng } from '../../test-support/rng.js';
import { syntheticEventBatches } from './synthetic-rrweb.js';

/**
 * The soak benchmark's simulated recorders: each one a tab recording sessions (2 to 6 minutes,
 * then a new session, as tabs come and go), cutting a batch every `intervalMs` of rrweb,
 * console and network events, deflated against the static preset dictionary as the recorder
 * does, with its session key, one request at a time in seq order and a bounded queue.
 */

export interface SoakLoadOptions {
  base: string;
  projectKey: string;
  recorders: number;
  intervalMs: number;
  durationMs: number;
  /** One malformed request after every this many batches (0: none). */
  malformedEvery: number;
  /** Batches a recorder holds while its sends are slow; beyond it the oldest is dropped (as the recorder's queue bound). */
  maxQueue: number;
  seed: number;
}

/** What one acknowledged batch added to its session, to compare with what is read back. */
export interface SessionExpect {
  seqs: Set<number>;
  events: number;
  /** Sum of a 64-bit hash of each event's NDJSON line: order-free, counts repeats. */
  digest: bigint;
}

export interface LoadStats {
  /** Per acknowledged batch: [ms since start, ack latency ms]. */
  acks: Array<[number, number]>;
  /** Statuses of the simulated recorders' batches other than 200 ('net' = no answer). */
  failures: Map<string, number>;
  /** Statuses of the malformed requests, by kind. */
  malformed: Map<string, Map<string, number>>;
  droppedByQueue: number;
  sessions: Map<string, SessionExpect>;
  batchesSent: number;
  rawBytes: number;
  wireBytes: number;
}

const DICT = presetDictionary(staticDictionaryBytes(CURRENT_STATIC_DICTIONARY), null);
const POOL_BATCHES = 60;
const DRAIN_MS = 60_000;
// Browsers give a fetch no deadline; a short one here would abandon requests the server still
// works on (and count a saturated server as failing rather than slow).
const REQUEST_TIMEOUT_MS = 10 * 60_000;

export function lineHash(line: string): bigint {
  return createHash('sha256').update(line).digest().readBigUInt64BE(0);
}

const MASK = (1n << 64n) - 1n;

export function addDigest(a: bigint, b: bigint): bigint {
  return (a + b) & MASK;
}

/** Events of the pool batch `i`, moved to `t0` and given a console message, a request and a marker. */
function batchEvents(pool: ReplayEvent[][], i: number, t0: number, rng: Rng, sessionId: string, seq: number): ReplayEvent[] {
  const whole = pool[i % pool.length]!;
  // Tabs are idle much of the time: 5 to 40 rrweb events in 5 s (after a page start's meta and snapshot).
  const start = (whole[0]!.data as { type: number }).type === 4 ? 2 : 0;
  const src = whole.slice(0, start + rng.int(5, 40));
  const shift = t0 - src[0]!.t;
  const out: ReplayEvent[] = src.map((e) => {
    const d = e.data as { timestamp: number };
    return { t: e.t + shift, kind: e.kind, data: { ...d, timestamp: d.timestamp + shift } };
  });
  const t = t0 + rng.int(10, 4900);
  out.push({
    t,
    kind: 'console',
    data: { level: rng.chance(0.2) ? 'error' : 'log', args: [{ type: 'string', value: `cart updated ${rng.int(1, 99)} items` }] },
  });
  out.push({
    t: t + 1,
    kind: 'network',
    data: {
      id: `r${seq}`,
      initiator: 'fetch',
      method: rng.chance(0.7) ? 'GET' : 'POST',
      url: `http://localhost/demo/api/products/${rng.int(1, 500)}`,
      status: rng.chance(0.05) ? 500 : 200,
      statusText: '',
      requestHeaders: {},
      responseHeaders: { 'content-type': 'application/json' },
      requestBody: { kind: 'omitted' },
      responseBody: { kind: 'json', value: `{"id":${rng.int(1, 500)},"stock":${rng.int(0, 40)}}` },
      startedAt: t,
      durationMs: rng.int(5, 400),
    },
  });
  out.push({ t: t0 + 4999, kind: 'custom', data: { type: 'event', name: 'soak', data: { s: sessionId, q: seq } } });
  return out;
}

interface Session {
  id: string;
  key: string;
  seq: number;
  /** Batches left before the tab's next session. */
  left: number;
  /** Pool index of its first batch (a page start). */
  poolStart: number;
}

type Malformed = { kind: string; send(): Promise<Response> };

/** Requests a hostile or broken client sends, interleaved with the real load: each must get a 4xx. */
function malformedRequests(o: SoakLoadOptions, anySession: () => Session | null): Malformed[] {
  const url = `${o.base}/ingest/v1/batch?key=${encodeURIComponent(o.projectKey)}`;
  const post = (u: string, headers: Record<string, string>, body: Buffer<ArrayBuffer> | string) =>
    fetch(u, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  const deflate = (text: string) => deflateSync(Buffer.from(text), { dictionary: DICT });
  const dictUrl = `${url}&${DICT_PARAM}=${CURRENT_STATIC_DICTIONARY}`;
  return [
    { kind: 'bad json', send: () => post(dictUrl, { 'content-encoding': 'deflate' }, deflate('{"v":1,"sessionId":')) },
    { kind: 'unknown key', send: () => post(`${o.base}/ingest/v1/batch?key=pk_not_a_key`, {}, '{}') },
    { kind: 'invalid batch', send: () => post(url, {}, JSON.stringify({ v: 1, sessionId: 'soak_bad_000001', seq: -1, events: [] })) },
    { kind: 'corrupt deflate', send: () => post(dictUrl, { 'content-encoding': 'deflate' }, randomBytes(600)) },
    { kind: 'unsupported encoding', send: () => post(url, { 'content-encoding': 'br' }, randomBytes(100)) },
    {
      kind: 'stranger append',
      send: () => {
        const s = anySession();
        if (!s) return post(`${o.base}/ingest/v1/batch?key=pk_not_a_key`, {}, '{}');
        const batch = {
          v: 1,
          sessionId: s.id,
          seq: 1_000_000,
          events: [{ t: 1, kind: 'custom', data: { type: 'tag', key: 'x', value: 'y' } }],
        };
        return post(url, { [SESSION_KEY_HEADER]: randomBytes(16).toString('base64url') }, JSON.stringify(batch));
      },
    },
  ];
}

/** Runs the load for `durationMs`, then lets queued batches finish (up to DRAIN_MS). */
export async function runSoakLoad(o: SoakLoadOptions, log: (line: string) => void): Promise<LoadStats> {
  const load = new SoakLoad(o);
  const progress = setInterval(() => {
    log(`  ${((Date.now() - load.started) / 1000).toFixed(0)} s: ${load.stats.acks.length} acked, ${load.stats.batchesSent} sent`);
  }, 60_000);
  await Promise.all(Array.from({ length: o.recorders }, (_, i) => load.tab(i)));
  clearInterval(progress);
  return load.stats;
}

const countIn = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** The simulated tabs of one soak run and what they saw. */
class SoakLoad {
  readonly pool: ReplayEvent[][];
  readonly rng: Rng;
  readonly stats: LoadStats = {
    acks: [],
    failures: new Map(),
    malformed: new Map(),
    droppedByQueue: 0,
    sessions: new Map(),
    batchesSent: 0,
    rawBytes: 0,
    wireBytes: 0,
  };
  readonly started: number;
  private readonly url: string;
  /** Each tab's current session. */
  private readonly live: Session[] = [];
  private readonly malformed: Malformed[];
  private malformedNext = 0;

  constructor(private readonly o: SoakLoadOptions) {
    this.pool = syntheticEventBatches({ seed: o.seed, batches: POOL_BATCHES, pageEvery: 12, snapshotNodes: 400, startTime: Date.now() });
    this.rng = createRng(o.seed + 1);
    this.started = Date.now();
    this.url = `${o.base}/ingest/v1/batch?key=${encodeURIComponent(o.projectKey)}&${DICT_PARAM}=${CURRENT_STATIC_DICTIONARY}`;
    // The stranger targets a session the server already holds (one batch acknowledged). A session
    // whose first batch has not arrived yet does not exist: whoever sends first creates it, with its key.
    this.malformed = malformedRequests(o, () => {
      const s = this.live.length ? this.live[this.rng.int(0, this.live.length - 1)]! : null;
      return s && this.stats.sessions.has(s.id) ? s : null;
    });
  }

  private newSession(): Session {
    return {
      id: `soak_${randomBytes(12).toString('base64url')}`,
      key: randomBytes(16).toString('base64url'),
      seq: 0,
      left: this.rng.int(24, 72),
      poolStart: this.rng.int(0, POOL_BATCHES / 12 - 1) * 12,
    };
  }

  /** Sends one batch; true when a malformed request is due after it (one per malformedEvery batches, counted as they go out). */
  private async sendOne(s: Session, seq: number, t0: number): Promise<boolean> {
    const { o, stats } = this;
    const events = batchEvents(this.pool, s.poolStart + seq, t0, this.rng, s.id, seq);
    const lines = events.map((e) => JSON.stringify({ t: e.t, kind: e.kind, data: e.data }));
    const json = `{"v":1,"sessionId":"${s.id}","seq":${seq},"meta":{"url":"http://localhost/demo/","sdk":"bench-soak"},"events":[${lines.join(',')}]}`;
    const body = deflateSync(Buffer.from(json), { dictionary: DICT });
    stats.rawBytes += json.length;
    stats.wireBytes += body.length;
    stats.batchesSent++;
    const malformedDue = o.malformedEvery > 0 && stats.batchesSent % o.malformedEvery === 0;
    const t = Date.now();
    let status: string;
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', [SESSION_KEY_HEADER]: s.key },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = String(res.status);
      const ack = (await res.json().catch(() => null)) as { ok?: boolean } | null;
      if (res.status === 200 && ack?.ok === true) {
        stats.acks.push([t - this.started, Date.now() - t]);
        this.expectAcked(s.id, seq, lines);
        return malformedDue;
      }
    } catch (err) {
      status = (err as Error).name === 'TimeoutError' ? 'timeout' : 'net';
    }
    countIn(stats.failures, status);
    return malformedDue;
  }

  /** What the server must hold for an acknowledged batch (a repeated seq adds nothing). */
  private expectAcked(sessionId: string, seq: number, lines: string[]): void {
    let exp = this.stats.sessions.get(sessionId);
    if (!exp) this.stats.sessions.set(sessionId, (exp = { seqs: new Set(), events: 0, digest: 0n }));
    if (exp.seqs.has(seq)) return;
    exp.seqs.add(seq);
    exp.events += lines.length;
    for (const l of lines) exp.digest = addDigest(exp.digest, lineHash(l));
  }

  private async sendMalformed(): Promise<void> {
    const m = this.malformed[this.malformedNext++ % this.malformed.length]!;
    let status: string;
    try {
      const res = await m.send();
      status = String(res.status);
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      status = (err as Error).name === 'TimeoutError' ? 'timeout' : 'net';
    }
    const byKind = this.stats.malformed.get(m.kind) ?? new Map<string, number>();
    this.stats.malformed.set(m.kind, byKind);
    countIn(byKind, status);
  }

  /** One tab: a timer cuts a batch every interval; a single sender drains its queue in seq order. */
  async tab(index: number): Promise<void> {
    const { o } = this;
    let s = this.newSession();
    this.live[index] = s;
    const queue: Array<{ s: Session; seq: number; t0: number }> = [];
    let wake: (() => void) | null = null;
    const timer = setInterval(() => {
      if (s.left-- <= 0) this.live[index] = s = this.newSession();
      queue.push({ s, seq: s.seq++, t0: Date.now() });
      if (queue.length > o.maxQueue) {
        queue.shift();
        this.stats.droppedByQueue++;
      }
      wake?.();
    }, o.intervalMs);
    // Tabs start spread over one interval, as real ones do.
    await new Promise((r) => setTimeout(r, this.rng.next() * o.intervalMs));
    const deadline = this.started + o.durationMs;
    for (;;) {
      const now = Date.now();
      // After the deadline no batch is cut; what is queued still goes, for up to DRAIN_MS.
      if (now >= deadline) clearInterval(timer);
      if (now >= deadline + DRAIN_MS) break;
      const next = queue.shift();
      if (!next) {
        if (now >= deadline) break;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, o.intervalMs);
        });
        wake = null;
        continue;
      }
      if (await this.sendOne(next.s, next.seq, next.t0)) await this.sendMalformed();
    }
    clearInterval(timer);
  }
}
