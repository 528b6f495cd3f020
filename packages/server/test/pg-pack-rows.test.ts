import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { loadConfig } from '../src/config.js';
import { extractIndexRows } from '../src/ingest/extract.js';
import { openChunkStore } from '../src/store/open.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { createStorage } from './backend.js';
import { domEvent, makeBatch } from './helpers.js';

/**
 * The bulk rows of a pack (store/postgres/pack-rows.ts) against the unpacked path: the same
 * batches, sent to a store with packing off one after the other and to a store with packing on
 * as whole packs, must leave the same rows in every table (ids, object keys and the project id
 * aside). PostgreSQL-only: runs once, in the default project.
 */
const FACTS = { userAgent: 'UA', browser: 'Chrome', browserVersion: '126', os: 'Linux', osVersion: null, device: 'desktop' };
const PACK = 8;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(packed: boolean, log: string[]): Promise<PgStore> {
  const st = await createStorage('postgres');
  cleanups.push(() => st.cleanup());
  const config = loadConfig(st.env);
  const store = await PgStore.open({
    url: config.databaseUrl!,
    chunks: openChunkStore(config),
    // A window far longer than the test: a pack is written when it holds PACK batches.
    pack: packed ? { windowMs: 60_000, maxBytes: 64 * 1024 * 1024, maxParts: PACK } : null,
    log: (m) => log.push(m),
  });
  cleanups.push(() => store.close());
  return store;
}

const click = (t: number, x: number, id = 5): ReplayEvent => ({
  t,
  kind: 'click',
  data: { selector: `button#b${id}`, text: 'Pay now', tag: 'button', x, y: 40, nodeId: id, interactive: true },
});
const mutation = (t: number) => domEvent(t, 3, { source: 0, texts: [], attributes: [], removes: [], adds: [] });
const request = (t: number, status: number): ReplayEvent => ({
  t,
  kind: 'network',
  data: { method: 'POST', url: 'https://api.example/pay', status, durationMs: 20, startedAt: t - 20 },
});
const log = (t: number, level: string, text: string): ReplayEvent => ({
  t,
  kind: 'console',
  data: { level, args: [{ type: 'string', value: text }] },
});

/** Session `i`'s batch `seq`: clicks left pending, answered, dead and in rage bursts across batches, requests, pages, tags. */
function batchEvents(i: number, seq: number): ReplayEvent[] {
  const t = 1_700_000_000_000 + i * 100_000 + seq * 5000;
  // No clicks at all (the round of this batch reads no click before it), a request and a log line.
  if (i === 0 && seq === 2) return [mutation(t), request(t + 100, 200), log(t + 200, 'log', 'no clicks')];
  const out: ReplayEvent[] = [mutation(t)];
  if (seq === 0) out.push({ t: t + 1, kind: 'nav', data: { type: 'load', url: `https://shop.example/s${i}` } });
  // A click near the end of the batch: pending until the next batch says whether it was dead.
  out.push(click(t + 4000, 10 + i));
  if (i % 2 === 0) {
    // A rage burst that the next batch extends (the burst read and resize).
    out.push(click(t + 4600, 200, 7), click(t + 4700, 201, 7), click(t + 4800, 202, 7));
    out.push(click(t + 4900, 200, 7));
  } else {
    // A request answering a click of the previous batch (a dead click taken back), and a page change.
    out.push(request(t + 500, i % 3 === 0 ? 503 : 200), {
      t: t + 600,
      kind: 'nav',
      data: { type: 'pushState', url: `https://shop.example/s${i}/p${seq}` },
    });
  }
  if (seq > 0) out.unshift(click(t + 50, 200, 7), mutation(t + 60));
  out.push(log(t + 900, seq % 2 ? 'warn' : 'log', `step ${seq} of ${i}`));
  out.push({ t: t + 950, kind: 'custom', data: { type: 'tag', key: `k${seq}`, value: `v${i}` } });
  if (i === 2) out.push({ t: t + 960, kind: 'custom', data: { type: 'identify', userId: `u${seq}` } });
  if (seq === 3)
    out.push({ t: t + 970, kind: 'error', data: { name: 'TypeError', message: `x is undefined ${i % 2}`, stack: 'at pay (app.js:1:1)' } });
  return out.sort((a, b) => a.t - b.t);
}

interface Send {
  session: number;
  seq: number;
}

/** The packs, in order: each exactly PACK batches, as the packer sees them (any order within). */
const PACKS: Send[][] = [
  // The first batch of eight sessions.
  [0, 1, 2, 3, 4, 5, 6, 7].map((session) => ({ session, seq: 0 })),
  // Two batches of one session (0), a re-sent duplicate (session 1, seq 1, twice), a gap (session 3 skips seq 1).
  [
    { session: 4, seq: 1 },
    { session: 0, seq: 2 },
    { session: 1, seq: 1 },
    { session: 0, seq: 1 },
    { session: 2, seq: 1 },
    { session: 1, seq: 1 },
    { session: 3, seq: 2 },
    { session: 5, seq: 1 },
  ],
  // One batch of every session, with errors grouped into issues (one round: the bulk path).
  [0, 1, 2, 3, 4, 5, 6, 7].map((session) => ({ session, seq: 3 })),
];

function input(projectId: string, s: Send) {
  const sessionId = `sess_bulk_${s.session}`;
  const batch = makeBatch(sessionId, s.seq, batchEvents(s.session, s.seq), `https://shop.example/s${s.session}`);
  const receivedAt = 1_800_000_000_000 + s.seq * 5000 + s.session;
  return { projectId, batch, facts: { ...FACTS, ip: '10.0.0.1' }, index: extractIndexRows(batch.events, batch.meta), receivedAt };
}

const TABLES = [
  'sessions',
  'batches',
  'clicks',
  'signals',
  'console_messages',
  'network_requests',
  'errors',
  'pages',
  'search_text',
  'full_snapshots',
  'issues',
  'issue_releases',
];
/** Differ by construction: serial and random ids, object keys and the project's id. */
const SKIP = new Set(['id', 'chunk_key', 'chunk_offset', 'chunk_length', 'bytes', 'project_id']);

async function dump(store: PgStore): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) {
    const rows = (await store.pool.query<Record<string, unknown>>(`SELECT * FROM ${t}`)).rows;
    out[t] = rows.map((r) => JSON.stringify(Object.entries(r).filter(([k]) => !SKIP.has(k)))).sort();
  }
  return out;
}

describe('bulk rows of a pack on PostgreSQL', () => {
  it('stores exactly what the unpacked path stores: many sessions, two batches of one, a re-sent duplicate, a gap, issues', async () => {
    const plainLog: string[] = [];
    const packedLog: string[] = [];
    const plain = await open(false, plainLog);
    const packed = await open(true, packedLog);
    const pp = await plain.createProject({ name: 'p', allowedOrigins: ['*'] });
    const pk = await packed.createProject({ name: 'p', allowedOrigins: ['*'] });
    for (const pack of PACKS) {
      // Unpacked: one batch after the other, each session's in seq order.
      const sorted = [...pack].sort((a, b) => a.session - b.session || a.seq - b.seq);
      const plainResults: boolean[] = [];
      for (const s of sorted) plainResults.push((await plain.appendBatch(input(pp.id, s))).duplicate);
      const packedResults = (await Promise.all(pack.map((s) => packed.appendBatch(input(pk.id, s))))).map((r) => r.duplicate);
      // The re-sent batch is a duplicate on both paths (which of the two copies does not matter).
      expect(packedResults.filter(Boolean).length).toBe(plainResults.filter(Boolean).length);
    }
    expect(packedLog.filter((m) => m.includes('bulk'))).toEqual([]);
    const a = await dump(plain);
    const b = await dump(packed);
    // The workload reaches every kind of row the bulk path writes.
    for (const t of TABLES.filter((x) => x !== 'full_snapshots' && x !== 'issue_releases')) expect(a[t]!.length, t).toBeGreaterThan(0);
    expect(a.signals!.some((r) => r.includes('"rage"'))).toBe(true);
    expect(a.signals!.some((r) => r.includes('"dead"'))).toBe(true);
    expect(a.batches).toHaveLength(8 + 7 + 8);
    expect(b).toEqual(a);
  });
});
