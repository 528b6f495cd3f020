import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestOptions, runIngest } from '../ingest.js';
import { payloadOptions, runPayload } from '../payload.js';
import { renderMarkdown } from '../render.js';
import { metric, readResults, writeResult, type BenchResult } from '../lib/results.js';

// Smoke mode only: 20 ingest batches, a 3 s shopper; results go to a temp dir,
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
  it('ingest: latency, floor and ratio are positive and finite', async () => {
    const r = await runIngest(ingestOptions({ smoke: true, command: 'vitest smoke' }));
    checkShape(r);
    expect(r.options.batches).toBe(20);
    expect(metric(r, 'repriseP50Ms').median).toBeGreaterThan(0);
    expect(metric(r, 'repriseP99Ms').median).toBeGreaterThanOrEqual(metric(r, 'repriseP50Ms').median);
    expect(metric(r, 'floorFsyncP50Ms').median).toBeGreaterThan(0);
    expect(metric(r, 'ratioFloorFsync').median).toBeGreaterThan(0);
    expect(metric(r, 'repriseSeqBatchesPerS').median).toBeGreaterThan(0);
    const kb = metric(r, 'batchKBCompressedMedian').median;
    expect(kb).toBeGreaterThan(5);
    expect(kb).toBeLessThan(50);
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
  });

  it('renders the smoke results as markdown', () => {
    const md = renderMarkdown(readResults(out));
    expect(md).toContain('`ingest`');
    expect(md).toContain('`payload`');
    expect(md).toContain('vitest smoke');
  });
});
