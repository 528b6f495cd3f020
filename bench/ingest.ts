import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ReplayEvent, SessionDetail } from '@reprise/protocol';
import { AppendFloor, startHttpFloor } from './lib/ingest-floor.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { postGzipBatch, startBenchServer } from './lib/server.js';
import { percentile, sum } from './lib/stats.js';
import { syntheticEventBatches, toBatch } from './lib/synthetic-rrweb.js';

export interface IngestOptions {
  runs: number;
  /** Batches per run, sent one after another. */
  batches: number;
  /** Sessions sending at once in the concurrent throughput pass. */
  concurrency: number;
  command: string;
  log?: (line: string) => void;
}

export function ingestOptions(args: { runs?: number; smoke: boolean; command: string }): IngestOptions {
  return {
    runs: args.runs ?? (args.smoke ? 1 : 5),
    batches: args.smoke ? 20 : 200,
    concurrency: 8,
    command: args.command,
  };
}

const SPECS: MetricSpec[] = [
  { key: 'repriseP50Ms', label: 'Reprise: one batch POST round trip, p50', unit: 'ms', role: 'reprise' },
  { key: 'repriseP99Ms', label: 'Reprise: one batch POST round trip, p99', unit: 'ms', role: 'reprise' },
  { key: 'repriseSeqBatchesPerS', label: 'Reprise: sequential throughput', unit: 'batches/s', role: 'reprise' },
  { key: 'repriseSeqMBPerS', label: 'Reprise: sequential throughput (decompressed)', unit: 'MB/s', role: 'reprise' },
  { key: 'repriseConcBatchesPerS', label: 'Reprise: throughput, 8 sessions at once', unit: 'batches/s', role: 'reprise' },
  { key: 'repriseConcMBPerS', label: 'Reprise: throughput, 8 sessions at once (decompressed)', unit: 'MB/s', role: 'reprise' },
  { key: 'floorFsyncP50Ms', label: 'Floor: gunzip + JSON.parse + append + fsync, p50', unit: 'ms', role: 'baseline' },
  { key: 'floorFsyncP99Ms', label: 'Floor: gunzip + JSON.parse + append + fsync, p99', unit: 'ms', role: 'baseline' },
  { key: 'floorFsyncBatchesPerS', label: 'Floor with fsync: throughput', unit: 'batches/s', role: 'baseline' },
  { key: 'floorFsyncMBPerS', label: 'Floor with fsync: throughput (decompressed)', unit: 'MB/s', role: 'baseline' },
  { key: 'floorNoFsyncP50Ms', label: 'Floor without fsync, p50', unit: 'ms', role: 'baseline' },
  { key: 'floorNoFsyncP99Ms', label: 'Floor without fsync, p99', unit: 'ms', role: 'baseline' },
  { key: 'floorNoFsyncBatchesPerS', label: 'Floor without fsync: throughput', unit: 'batches/s', role: 'baseline' },
  { key: 'floorNoFsyncMBPerS', label: 'Floor without fsync: throughput (decompressed)', unit: 'MB/s', role: 'baseline' },
  { key: 'httpFloorP50Ms', label: 'Bare node:http server doing the fsync floor, POST round trip p50', unit: 'ms', role: 'baseline' },
  { key: 'httpFloorP99Ms', label: 'Bare node:http server doing the fsync floor, POST round trip p99', unit: 'ms', role: 'baseline' },
  { key: 'ratioFloorFsync', label: 'Floor (fsync) p50 / Reprise p50', unit: 'ratio', role: 'ratio' },
  { key: 'ratioFloorNoFsync', label: 'Floor (no fsync) p50 / Reprise p50', unit: 'ratio', role: 'ratio' },
  { key: 'ratioHttpFloor', label: 'Bare HTTP + fsync floor p50 / Reprise p50', unit: 'ratio', role: 'ratio' },
  { key: 'batchKBCompressedMedian', label: 'Batch size as sent (gzip), median', unit: 'KB', role: 'info' },
  { key: 'batchKBDecompressedMedian', label: 'Batch size decompressed, median', unit: 'KB', role: 'info' },
];

interface Body {
  /** Copied into its own ArrayBuffer so fetch takes it as a body. */
  gzip: Uint8Array<ArrayBuffer>;
  rawBytes: number;
}

function buildBodies(sessionId: string, events: ReplayEvent[][]): Body[] {
  return events.map((ev, seq) => {
    const raw = Buffer.from(JSON.stringify(toBatch(sessionId, seq, ev)));
    return { gzip: new Uint8Array(gzipSync(raw)), rawBytes: raw.length };
  });
}

const now = (): number => performance.now();
const MB = 1e6;

/** Sequential POSTs; returns per-batch latencies (ms) and the wall time (ms). */
async function sendSequential(post: (b: Uint8Array<ArrayBuffer>) => Promise<unknown>, bodies: Body[]): Promise<{ lat: number[]; wallMs: number }> {
  const lat: number[] = [];
  const start = now();
  for (const b of bodies) {
    const t = now();
    await post(b.gzip);
    lat.push(now() - t);
  }
  return { lat, wallMs: now() - start };
}

function floorPass(floor: AppendFloor, bodies: Body[]): { lat: number[]; wallMs: number } {
  const lat: number[] = [];
  for (const b of bodies) {
    const t = now();
    floor.ingest(b.gzip);
    lat.push(now() - t);
  }
  return { lat, wallMs: sum(lat) };
}

export async function runIngest(opts: IngestOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const server = await startBenchServer({ needRecorder: false });
  const scratch = mkdtempSync(path.join(tmpdir(), 'reprise-bench-floor-'));
  const nodeBase = server.base.replace('localhost', '127.0.0.1');
  const post = (b: Uint8Array<ArrayBuffer>) => postGzipBatch(nodeBase, server.projectKey, b);
  const events = syntheticEventBatches({ seed: 42, batches: opts.batches, pageEvery: 20, snapshotNodes: 2000, startTime: 1_700_000_000_000 });
  const rows: Record<string, number>[] = [];
  try {
    // Warm-up (JIT, connection pool, SQLite statement cache): not measured.
    await sendSequential(post, buildBodies(`bench-warmup-${randomBytes(4).toString('hex')}`, events.slice(0, 10)));
    const httpFloor = await startHttpFloor(path.join(scratch, 'http-floor.ndjson'));
    const httpPost = async (b: Uint8Array<ArrayBuffer>) => {
      const r = await fetch(httpFloor.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: b });
      await r.json();
      if (r.status !== 200) throw new Error(`http floor answered ${r.status}`);
    };
    await sendSequential(httpPost, buildBodies('warmup', events.slice(0, 10)));
    try {
      for (let run = 0; run < opts.runs; run++) {
        const sessionId = `bench-ingest-${run}-${randomBytes(6).toString('hex')}`;
        const bodies = buildBodies(sessionId, events);
        const rawTotal = sum(bodies.map((b) => b.rawBytes));

        const seq = await sendSequential(post, bodies);
        const detail = await server.api<SessionDetail>(`/api/v1/sessions/${sessionId}`);
        if (detail.batchCount !== bodies.length) throw new Error(`stored ${detail.batchCount} of ${bodies.length} batches`);

        // Same bytes, many sessions at once (each session's batches stay in order).
        const concIds = Array.from({ length: opts.concurrency }, (_, i) => `bench-ingest-${run}-c${i}-${randomBytes(4).toString('hex')}`);
        const per = Math.ceil(events.length / opts.concurrency);
        const concBodies = concIds.map((id, i) => buildBodies(id, events.slice(i * per, (i + 1) * per)));
        const concRaw = sum(concBodies.flat().map((b) => b.rawBytes));
        const concStart = now();
        await Promise.all(concBodies.map((bs) => sendSequential(post, bs)));
        const concMs = now() - concStart;

        const fsyncFloor = new AppendFloor(path.join(scratch, `floor-${run}.ndjson`), true);
        const ff = floorPass(fsyncFloor, bodies);
        fsyncFloor.close();
        const noFsyncFloor = new AppendFloor(path.join(scratch, `floor-nofsync-${run}.ndjson`), false);
        const fn = floorPass(noFsyncFloor, bodies);
        noFsyncFloor.close();
        const hf = await sendSequential(httpPost, bodies);

        const p50 = percentile(seq.lat, 50);
        const row: Record<string, number> = {
          repriseP50Ms: p50,
          repriseP99Ms: percentile(seq.lat, 99),
          repriseSeqBatchesPerS: bodies.length / (seq.wallMs / 1000),
          repriseSeqMBPerS: rawTotal / MB / (seq.wallMs / 1000),
          repriseConcBatchesPerS: concBodies.flat().length / (concMs / 1000),
          repriseConcMBPerS: concRaw / MB / (concMs / 1000),
          floorFsyncP50Ms: percentile(ff.lat, 50),
          floorFsyncP99Ms: percentile(ff.lat, 99),
          floorFsyncBatchesPerS: bodies.length / (ff.wallMs / 1000),
          floorFsyncMBPerS: rawTotal / MB / (ff.wallMs / 1000),
          floorNoFsyncP50Ms: percentile(fn.lat, 50),
          floorNoFsyncP99Ms: percentile(fn.lat, 99),
          floorNoFsyncBatchesPerS: bodies.length / (fn.wallMs / 1000),
          floorNoFsyncMBPerS: rawTotal / MB / (fn.wallMs / 1000),
          httpFloorP50Ms: percentile(hf.lat, 50),
          httpFloorP99Ms: percentile(hf.lat, 99),
          ratioFloorFsync: percentile(ff.lat, 50) / p50,
          ratioFloorNoFsync: percentile(fn.lat, 50) / p50,
          ratioHttpFloor: percentile(hf.lat, 50) / p50,
          batchKBCompressedMedian: percentile(bodies.map((b) => b.gzip.length), 50) / 1000,
          batchKBDecompressedMedian: percentile(bodies.map((b) => b.rawBytes), 50) / 1000,
        };
        rows.push(row);
        log(`ingest run ${run + 1}/${opts.runs}: p50 ${row.repriseP50Ms!.toFixed(2)} ms, p99 ${row.repriseP99Ms!.toFixed(2)} ms, floor(fsync) p50 ${row.floorFsyncP50Ms!.toFixed(2)} ms`);
      }
    } finally {
      await httpFloor.close();
    }
  } finally {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }

  return {
    name: 'ingest',
    title: 'Ingest latency and throughput',
    measured:
      `${opts.batches} synthetic rrweb batches per run (seeded; a meta + full snapshot of ~2000 nodes every 20 batches, ` +
      `otherwise 5 s of mouse moves, clicks, scrolls, inputs and DOM mutations), gzip as a recorder sends them, ` +
      `POSTed one after another from Node's fetch to the in-process Reprise server (real SQLite store, loopback HTTP, ` +
      `answers only once the batch is durable). Latency is the full round trip per batch, from send to parsed ack. ` +
      `Throughput: sequential = batches / wall time of that pass; "8 sessions at once" sends the same batches split over ` +
      `${opts.concurrency} sessions concurrently (client and server share one Node process and the machine's cores). ` +
      `Every run uses fresh session ids, and the stored batch count is checked after the sequential pass.`,
    baseline:
      'The physical floor for the same bytes in the same run, in-process and with no HTTP: gunzipSync + JSON.parse + ' +
      'append the decompressed JSON to one file, with fsync after each batch (and again without fsync). Also a bare ' +
      'node:http server in the same process doing that fsync floor per POST, to separate HTTP cost from storage cost. ' +
      'Ratio = floor p50 / Reprise p50 (1.0 would mean Reprise costs nothing beyond the floor).',
    machine: describeMachine(null),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: { batches: opts.batches, concurrency: opts.concurrency, revision: gitRevision() },
    metrics: collectMetrics(SPECS, rows),
    headline: ['repriseP50Ms', 'repriseP99Ms', 'floorFsyncP50Ms', 'ratioFloorFsync', 'repriseSeqBatchesPerS', 'repriseSeqMBPerS', 'repriseConcBatchesPerS'],
    notes: [
      'Reprise per batch re-encodes the events as gzip NDJSON, writes a chunk file durably (fsync of file and directory, then rename) and commits a SQLite transaction with synchronous=FULL; the floor does a single append + fsync.',
      'A warm-up of 10 batches (not measured) precedes the runs.',
    ],
  };
}
