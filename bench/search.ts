import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseQuery } from '@reprise/protocol/query';
import { extractIndexRows } from '../packages/server/src/ingest/extract.js';
import type { IndexRows } from '../packages/server/src/store/index-rows.js';
import { SqliteStore } from '../packages/server/src/store/sqlite/sqlite-store.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { createRng } from '../test-support/rng.js';
import { seedStore } from './lib/search-seed.js';
import { batchOf, factsOf } from './lib/search-seed-data.js';
import { percentile } from './lib/stats.js';
import { syntheticSession } from './lib/synthetic-sessions.js';

export interface SearchOptions {
  runs: number;
  /** Sessions seeded into the store. */
  sessions: number;
  /** Timed repetitions of each query per run. */
  repetitions: number;
  /** Batches per side in the ingest-with/without-indexing pass. */
  ingestBatches: number;
  command: string;
  log?: (line: string) => void;
}

export function searchOptions(args: { runs?: number; smoke: boolean; command: string }): SearchOptions {
  return {
    runs: args.runs ?? (args.smoke ? 1 : 5),
    sessions: args.smoke ? 300 : 100_000,
    repetitions: args.smoke ? 2 : 20,
    ingestBatches: args.smoke ? 10 : 300,
    command: args.command,
  };
}

/** Representative searches: field filters, same-request combinations, OR, negation, free text. */
export const QUERIES: readonly { key: string; q: string }[] = [
  { key: 'status422Checkout', q: 'status:422 request:/api/checkout' },
  { key: 'browserSafari', q: 'browser:safari' },
  { key: 'hasError', q: 'has:error' },
  { key: 'consoleText', q: 'console:"card_expiry"' },
  { key: 'errorType', q: 'error:TypeError' },
  { key: 'rageNoError', q: 'has:rage -has:error' },
  { key: 'userId', q: 'user:u_16070' },
  { key: 'orStatus', q: '(browser:safari OR browser:firefox) status:>=500' },
  { key: 'freeText', q: 'checkout' },
  { key: 'durationActive', q: 'duration:>60s active:>30s' },
  { key: 'recentDead', q: 'started:<7d has:dead' },
  { key: 'clickedMobile', q: 'clicked:"Pay now" device:mobile' },
];

/** The seeded store's generator seed and clock (bench/test/search-seed.test.ts seeds the same). */
export const SEARCH_SEED = 7;
export const SEARCH_NOW = Date.UTC(2026, 10, 20, 12);
const NOW = SEARCH_NOW;
const EMPTY_INDEX: IndexRows = extractIndexRows([]);

const SPECS: MetricSpec[] = [
  { key: 'listP50Ms', label: 'Baseline: newest 50 sessions, no query, p50', unit: 'ms', role: 'baseline' },
  { key: 'listP95Ms', label: 'Baseline: newest 50 sessions, no query, p95', unit: 'ms', role: 'baseline' },
  ...QUERIES.flatMap(({ key, q }): MetricSpec[] => [
    { key: `${key}P50Ms`, label: `\`${q}\` p50`, unit: 'ms', role: 'reprise' },
    { key: `${key}P95Ms`, label: `\`${q}\` p95`, unit: 'ms', role: 'reprise' },
  ]),
  { key: 'worstP95Ms', label: 'Slowest query p95', unit: 'ms', role: 'reprise' },
  { key: 'ratioWorstToList', label: 'Slowest query p95 / unfiltered list p95', unit: 'ratio', role: 'ratio' },
  { key: 'ingestIndexedMs', label: 'Ingest with indexing: one session batch, p50', unit: 'ms', role: 'reprise' },
  { key: 'ingestPlainMs', label: 'Ingest with indexing off: same batch, p50', unit: 'ms', role: 'baseline' },
  { key: 'ratioIndexing', label: 'Ingest with indexing / without', unit: 'ratio', role: 'ratio' },
];

export async function timeQuery(store: SqliteStore, q: string, repetitions: number): Promise<{ p50: number; p95: number; hits: number }> {
  const parsed = parseQuery(q);
  if (!parsed.ok) throw new Error(`benchmark query ${q} does not parse: ${parsed.error.message}`);
  const search = () => store.searchSessions({ ast: parsed.ast, sort: 'newest', limit: 50, cursor: null, now: NOW });
  const hits = (await search()).sessions.length; // warm-up, and a check the query finds something
  const lat: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const t = performance.now();
    await search();
    lat.push(performance.now() - t);
  }
  return { p50: percentile(lat, 50), p95: percentile(lat, 95), hits };
}

/** appendBatch with real extraction + index rows, against the same batch with indexing off; alternated. */
async function ingestPass(n: number): Promise<{ indexed: number; plain: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'reprise-bench-search-ingest-'));
  const store = new SqliteStore(dir);
  try {
    const project = await store.createProject({ name: 'ingest', allowedOrigins: ['*'] });
    const rng = createRng(11);
    const indexed: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < n * 2; i++) {
      const s = syntheticSession(rng, 1_000_000 + i, NOW);
      const batch = batchOf(s);
      const on = i % 2 === 0;
      const t = performance.now();
      const index = on ? extractIndexRows(batch.events, batch.meta) : EMPTY_INDEX;
      await store.appendBatch({ projectId: project.id, batch, facts: factsOf(s), index, receivedAt: NOW });
      (on ? indexed : plain).push(performance.now() - t);
    }
    return { indexed: percentile(indexed, 50), plain: percentile(plain, 50) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One run: every query (and the unfiltered list) timed, then the ingest pass. */
async function measureRun(
  store: SqliteStore,
  opts: SearchOptions,
  hits: Record<string, number>,
  run: number,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const row: Record<string, number> = {};
  const list = await timeQuery(store, '', opts.repetitions);
  row.listP50Ms = list.p50;
  row.listP95Ms = list.p95;
  let worst = 0;
  for (const { key, q } of QUERIES) {
    const r = await timeQuery(store, q, opts.repetitions);
    row[`${key}P50Ms`] = r.p50;
    row[`${key}P95Ms`] = r.p95;
    hits[q] = r.hits;
    worst = Math.max(worst, r.p95);
  }
  row.worstP95Ms = worst;
  row.ratioWorstToList = worst / Math.max(list.p95, 1e-3);
  const ingest = await ingestPass(opts.ingestBatches);
  row.ingestIndexedMs = ingest.indexed;
  row.ingestPlainMs = ingest.plain;
  row.ratioIndexing = ingest.indexed / ingest.plain;
  log(
    `run ${run + 1}/${opts.runs}: slowest p95 ${worst.toFixed(1)} ms, list p95 ${list.p95.toFixed(1)} ms, ingest ${ingest.indexed.toFixed(2)} vs ${ingest.plain.toFixed(2)} ms`,
  );
  return row;
}

export async function runSearch(opts: SearchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const runStarted = performance.now();
  // Seeded afresh on every run, into a temp dir removed at the end: nothing is cached.
  const dir = mkdtempSync(path.join(tmpdir(), 'reprise-bench-search-'));
  const rows: Record<string, number>[] = [];
  const hits: Record<string, number> = {};
  let seedSeconds: number;
  let seedCpuSeconds: number;
  try {
    log(`seeding ${opts.sessions} sessions into ${dir}`);
    const seedStarted = performance.now();
    const cpu = process.cpuUsage();
    await seedStore(dir, { sessions: opts.sessions, seed: SEARCH_SEED, now: NOW }, { log });
    seedSeconds = (performance.now() - seedStarted) / 1000;
    // Process-wide (both worker threads): on a shared machine, wall time alone says little.
    const used = process.cpuUsage(cpu);
    seedCpuSeconds = (used.user + used.system) / 1e6;
    log(`seeded in ${seedSeconds.toFixed(1)} s (${seedCpuSeconds.toFixed(0)} s of CPU time)`);
    const store = new SqliteStore(dir);
    try {
      for (let run = 0; run < opts.runs; run++) rows.push(await measureRun(store, opts, hits, run, log));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const totalSeconds = (performance.now() - runStarted) / 1000;
  const notes = [
    `Seeding ${opts.sessions} sessions took ${seedSeconds.toFixed(0)} s (${(opts.sessions / seedSeconds).toFixed(0)} sessions/s, ${seedCpuSeconds.toFixed(0)} s of CPU time over the two cores); the whole benchmark (seeding, ${opts.runs} runs of queries and the ingest pass) took ${totalSeconds.toFixed(0)} s. The store is seeded afresh on every run; nothing is cached.`,
    "Seeding stores the rows appendBatch stores for each session's one batch: the real extraction, the store's own signal index writer, the same statements for the other tables, in session order; two worker threads share the work (transactions of 500 sessions, bulk-load pragmas, some indexes built once at the end). bench/test/search-seed.test.ts checks it against appendBatch row for row, query result for query result and query plan for query plan. What differs is out of search's sight: every batch row points at one shared, empty event chunk (search never reads chunks), and the files are more compact than a server's, which commits batch by batch.",
  ];
  for (const { q } of QUERIES) notes.push(`\`${q}\`: ${hits[q] === 50 ? '50 (a full page)' : hits[q]} sessions on the first page.`);
  return {
    name: 'search',
    title: `Search latency at ${opts.sessions.toLocaleString('en')} sessions`,
    measured: `${QUERIES.length} queries through the store's search (parse + SQL, first page of 50, newest first) on a SQLite store seeded with ${opts.sessions} synthetic sessions (~50 requests, ~20 console messages, ~30 clicks, a few errors and pages each); ${opts.repetitions} timed repetitions per query and run after one warm-up. Also: one session batch (~150 events) through appendBatch with extraction and index rows, against the same with indexing off, alternated, ${opts.ingestBatches} each, durable store.`,
    baseline: 'The unfiltered session list (newest 50) on the same store, in the same run; and ingest with indexing off.',
    machine: describeMachine(null),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: { sessions: opts.sessions, repetitions: opts.repetitions, ingestBatches: opts.ingestBatches, revision: gitRevision() },
    metrics: collectMetrics(SPECS, rows),
    headline: ['listP95Ms', 'worstP95Ms', 'ratioWorstToList', ...QUERIES.map((q) => `${q.key}P95Ms`), 'ratioIndexing'],
    notes,
  };
}
