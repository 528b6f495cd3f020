import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestOptions, runIngest } from '../ingest.js';
import { payloadOptions, runPayload } from '../payload.js';
import { QUERIES, runSearch, searchOptions } from '../search.js';
import { renderMarkdown } from '../render.js';
import { metric, readResults, writeResult, type BenchResult } from '../lib/results.js';

// Smoke mode only: 40 ingest batches on SQLite (and 24 per scale-out scenario, on the local
// PostgreSQL and Swift), a 3 s shopper; results go to a temp dir,
// never to bench/results or BENCHMARKS.md.
const out = mkdtempSync(path.join(tmpdir(), 'reprise-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function checkShape(r: BenchResult): void {
  expect(r.runs).toBe(1);
  expect(r.machine.cores).toBeGreaterThan(0);
  expect(r.machine.node).toBe(process.version);
  for (const m of r.metrics) {
    expect(Number.isFinite(m.median), m.key).toBe(true);
    expect(m.min).toBeLessThanOrEqual(m.max);
  }
  const file = writeResult(out, r);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(r);
}

describe('benchmarks in smoke mode', () => {
  it('ingest: throughput under autocannon, the floor and their ratio are positive and finite', async () => {
    const r = await runIngest(ingestOptions({ smoke: true, command: 'vitest smoke' }));
    checkShape(r);
    expect(r.options.batches).toBe(40);
    expect(metric(r, 'sqliteBatchesPerS').median).toBeGreaterThan(0);
    expect(metric(r, 'sqliteMBPerS').median).toBeGreaterThan(0);
    expect(metric(r, 'sqliteP99Ms').median).toBeGreaterThanOrEqual(metric(r, 'sqliteP50Ms').median);
    expect(metric(r, 'sqliteMainCpuMs').median).toBeGreaterThan(0);
    expect(metric(r, 'sqliteServerCpuMs').median).toBeGreaterThanOrEqual(metric(r, 'sqliteMainCpuMs').median);
    expect(metric(r, 'floorFsyncBatchesPerS').median).toBeGreaterThan(0);
    expect(metric(r, 'floorNoFsyncBatchesPerS').median).toBeGreaterThan(0);
    expect(metric(r, 'ratioFloorFsync').median).toBeGreaterThan(0);
    expect(metric(r, 'ratioFloorNoFsync').median).toBeGreaterThan(0);
    const kb = metric(r, 'batchKBCompressedMedian').median;
    expect(kb).toBeGreaterThan(5);
    expect(kb).toBeLessThan(50);
    // Scale-out: PostgreSQL + S3 with one and two instances.
    for (const sc of ['pg1', 'pg2']) {
      expect(metric(r, `${sc}BatchesPerS`).median, sc).toBeGreaterThan(0);
      expect(metric(r, `${sc}P99Ms`).median, sc).toBeGreaterThanOrEqual(metric(r, `${sc}P50Ms`).median);
      expect(metric(r, `${sc}ServerCpuMs`).median, sc).toBeGreaterThan(0);
    }
    expect(metric(r, 'pg2S3CpuMs').median).toBeGreaterThan(0);
    expect(metric(r, 'ratioPg2Pg1').median).toBeGreaterThan(0);
  });

  it('payload: the recorder sent bytes, and the baseline ratio is finite', async () => {
    const r = await runPayload(payloadOptions({ smoke: true, command: 'vitest smoke' }));
    checkShape(r);
    expect(r.machine.chromium).toMatch(/\d+\./);
    expect(r.options.durationS).toBe(3);
    expect(metric(r, 'repriseGzipTotal').median).toBeGreaterThan(0);
    expect(metric(r, 'repriseBatches').median).toBeGreaterThan(0);
    expect(metric(r, 'repriseRawPerMin').median).toBeGreaterThan(0);
    expect(metric(r, 'baselineGzipTotal').median).toBeGreaterThan(0);
    expect(metric(r, 'fullSnapshots').median).toBeGreaterThanOrEqual(1);
    const ratio = metric(r, 'ratioGzip').median;
    expect(Number.isFinite(ratio) && ratio > 0).toBe(true);
    // Every request is deflate (with or without a session reference), gzip or plain, and the proxy
    // decoded each one (a reference it could not rebuild would show as a problem note).
    const kinds = ['repriseDeflateRefBatches', 'repriseDeflateBatches', 'repriseGzipBatches', 'repriseUncompressedBatches'];
    expect(kinds.reduce((n, k) => n + metric(r, k).median, 0)).toBe(metric(r, 'repriseBatches').median);
    expect(metric(r, 'repriseDictionaryRefusals').median).toBe(0);
    expect(r.notes.filter((n) => n.startsWith('run '))).toEqual([]);
  });

  it('search: every query parses and runs on a seeded store, and indexing costs a finite ratio', async () => {
    const r = await runSearch(searchOptions({ smoke: true, command: 'vitest smoke' }));
    checkShape(r);
    expect(r.options.sessions).toBe(300);
    for (const { key } of QUERIES) expect(metric(r, `${key}P95Ms`).median, key).toBeGreaterThan(0);
    // The slowest query is the slowest of the queries in each run (the unfiltered list is not one of them).
    expect(metric(r, 'worstP95Ms').median).toBeGreaterThanOrEqual(Math.max(...QUERIES.map(({ key }) => metric(r, `${key}P95Ms`).median)));
    expect(metric(r, 'ratioIndexing').median).toBeGreaterThan(0);
    // The expired-card sessions of the synthetic data are found by the query made for them.
    expect(r.notes.find((n) => n.startsWith('`status:422 request:/api/checkout`'))).not.toContain(': 0 sessions');
  });

  it('renders the smoke results as markdown', () => {
    const md = renderMarkdown(readResults(out));
    expect(md).toContain('`ingest`');
    expect(md).toContain('`payload`');
    expect(md).toContain('`search`');
    expect(md).toContain('vitest smoke');
  });
});
