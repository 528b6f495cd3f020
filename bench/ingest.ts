import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppendFloor } from './lib/ingest-floor.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import {
  describePass,
  PROFILED_FUNCTIONS,
  runScaleOut,
  runScenario,
  scenario,
  scenarioRow,
  type ScaleOutOptions,
} from './lib/scale-out.js';
import { scaleBodies, type LoadBody } from './lib/load-targets.js';
import { summarizeProfiles, type ProfileSummary } from './lib/cpu-profile.js';
import { BASELINE, ingestNotes, measuredText, scaleNotes } from './lib/ingest-notes.js';
import { percentile, sum } from './lib/stats.js';
import { syntheticEventBatches } from './lib/synthetic-rrweb.js';

export interface IngestOptions {
  runs: number;
  /** Batches per run: POSTed to Reprise under autocannon, then through the floor (the same bodies). */
  batches: number;
  /** autocannon connections (requests in flight). */
  connections: number;
  /** Sessions the batches are spread over. */
  sessions: number;
  /** Unmeasured warm-up batches per server process. */
  warmup: number;
  /** An extra SQLite pass under `node --cpu-prof`, summarized into the notes. */
  profile: boolean;
  /** PostgreSQL + S3 with one and two instances (issue "scale-out"). */
  scale: ScaleOutOptions;
  command: string;
  log?: (line: string) => void;
}

export function ingestOptions(args: { runs?: number; smoke: boolean; command: string }): IngestOptions {
  const runs = args.runs ?? (args.smoke ? 1 : 5);
  // Sized for ~2 minutes on a 2-core machine (the SQLite runs ~5 s each, a PostgreSQL + S3 run ~12 s).
  return args.smoke
    ? {
        runs,
        batches: 40,
        connections: 8,
        sessions: 16,
        warmup: 8,
        profile: false,
        scale: { requests: 24, connections: 4, sessions: 16, warmup: 4, runs },
        command: args.command,
      }
    : {
        runs,
        batches: 400,
        connections: 16,
        sessions: 64,
        warmup: 32,
        profile: true,
        scale: { requests: 120, connections: 16, sessions: 64, warmup: 16, runs },
        command: args.command,
      };
}

const SQLITE = scenario('sqlite');
const PG1 = scenario('pg1');
const PG2 = scenario('pg2');

const SPECS: MetricSpec[] = [
  { key: 'sqliteBatchesPerS', label: 'Reprise (SQLite + local files) under autocannon: throughput', unit: 'batches/s', role: 'reprise' },
  { key: 'sqliteMBPerS', label: 'Reprise under autocannon: throughput (decompressed)', unit: 'MB/s', role: 'reprise' },
  { key: 'sqliteP50Ms', label: 'Reprise under autocannon: latency p50', unit: 'ms', role: 'reprise' },
  { key: 'sqliteP99Ms', label: 'Reprise under autocannon: latency p99', unit: 'ms', role: 'reprise' },
  {
    key: 'floorFsyncBatchesPerS',
    label: 'Floor (gunzipSync + JSON.parse + append + fsync per batch): throughput',
    unit: 'batches/s',
    role: 'baseline',
  },
  { key: 'floorFsyncMBPerS', label: 'Floor with fsync: throughput (decompressed)', unit: 'MB/s', role: 'baseline' },
  { key: 'floorFsyncP50Ms', label: 'Floor with fsync: time per batch, p50', unit: 'ms', role: 'baseline' },
  { key: 'floorFsyncP99Ms', label: 'Floor with fsync: time per batch, p99', unit: 'ms', role: 'baseline' },
  { key: 'floorNoFsyncBatchesPerS', label: 'Floor without fsync: throughput', unit: 'batches/s', role: 'baseline' },
  { key: 'floorNoFsyncMBPerS', label: 'Floor without fsync: throughput (decompressed)', unit: 'MB/s', role: 'baseline' },
  { key: 'floorNoFsyncP50Ms', label: 'Floor without fsync: time per batch, p50', unit: 'ms', role: 'baseline' },
  { key: 'ratioFloorFsync', label: 'Reprise / floor with fsync, throughput (target ≥ 0.7)', unit: 'ratio', role: 'ratio' },
  { key: 'ratioFloorNoFsync', label: 'Reprise / floor without fsync, throughput', unit: 'ratio', role: 'ratio' },
  { key: 'sqliteServerCpuMs', label: 'Reprise: CPU per batch, all threads of the process', unit: 'ms', role: 'info' },
  { key: 'sqliteMainCpuMs', label: 'Reprise: CPU per batch, main (JavaScript) thread', unit: 'ms', role: 'info' },
  { key: 'sqliteMainBusyPct', label: 'Reprise: main thread busy during the pass', unit: '%', role: 'info' },
  { key: 'sqliteClientCpuMs', label: 'Reprise pass: CPU per batch in the load generator (autocannon)', unit: 'ms', role: 'info' },
  { key: 'sqliteOtherCpuMs', label: 'Reprise pass: CPU per batch of other processes (the machine is shared)', unit: 'ms', role: 'info' },
  { key: 'sqliteBusyPct', label: 'Reprise pass: all cores busy', unit: '%', role: 'info' },
  { key: 'batchKBCompressedMedian', label: 'Batch size as sent (gzip), median', unit: 'KB', role: 'info' },
  { key: 'batchKBDecompressedMedian', label: 'Batch size decompressed, median', unit: 'KB', role: 'info' },
];

const SCALE_SPECS: MetricSpec[] = [
  ...[PG1, PG2].flatMap((sc): MetricSpec[] => [
    { key: `${sc.key}BatchesPerS`, label: `Scale-out, ${sc.label}: throughput under autocannon`, unit: 'batches/s', role: 'reprise' },
    { key: `${sc.key}P50Ms`, label: `Scale-out, ${sc.label}: latency p50 under load`, unit: 'ms', role: 'reprise' },
    { key: `${sc.key}P99Ms`, label: `Scale-out, ${sc.label}: latency p99 under load`, unit: 'ms', role: 'reprise' },
  ]),
  { key: 'ratioPg2Pg1', label: 'Scale-out: two instances / one instance throughput (PostgreSQL + S3)', unit: 'ratio', role: 'ratio' },
  ...[PG1, PG2].flatMap((sc): MetricSpec[] => [
    { key: `${sc.key}ServerCpuMs`, label: `Scale-out, ${sc.label}: CPU per batch in the Reprise process(es)`, unit: 'ms', role: 'info' },
    {
      key: `${sc.key}PgCpuMs`,
      label: `Scale-out, ${sc.label}: CPU per batch in PostgreSQL (its backends + WAL writer)`,
      unit: 'ms',
      role: 'info',
    },
    {
      key: `${sc.key}S3CpuMs`,
      label: `Scale-out, ${sc.label}: CPU per batch in the S3 server (Swift + memcached)`,
      unit: 'ms',
      role: 'info',
    },
    {
      key: `${sc.key}ClientCpuMs`,
      label: `Scale-out, ${sc.label}: CPU per batch in the load generator (autocannon)`,
      unit: 'ms',
      role: 'info',
    },
    { key: `${sc.key}BusyPct`, label: `Scale-out, ${sc.label}: all cores busy during the pass`, unit: '%', role: 'info' },
  ]),
];

/** The floor over the same bodies, one after another in this process: per-batch times (ms) and the decompressed bytes. */
function floorPass(file: string, fsync: boolean, bodies: LoadBody[]): { lat: number[]; rawBytes: number } {
  const floor = new AppendFloor(file, fsync);
  const lat: number[] = [];
  let rawBytes = 0;
  try {
    for (const b of bodies) {
      const t = performance.now();
      rawBytes += floor.ingest(b.gzip);
      lat.push(performance.now() - t);
    }
  } finally {
    floor.close();
  }
  return { lat, rawBytes };
}

function floorRow(prefix: string, f: { lat: number[]; rawBytes: number }): Record<string, number> {
  const s = sum(f.lat) / 1000;
  return {
    [`${prefix}BatchesPerS`]: f.lat.length / s,
    [`${prefix}MBPerS`]: f.rawBytes / 1e6 / s,
    [`${prefix}P50Ms`]: percentile(f.lat, 50),
    [`${prefix}P99Ms`]: percentile(f.lat, 99),
  };
}

export async function runIngest(opts: IngestOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const events = syntheticEventBatches({ seed: 42, batches: 200, pageEvery: 20, snapshotNodes: 2000, startTime: 1_700_000_000_000 });
  const bodies = {
    warm: scaleBodies('warm', opts.warmup, opts.warmup, events),
    measured: scaleBodies('load', opts.batches, opts.sessions, events),
  };
  const load = { connections: opts.connections, warmup: opts.warmup, requests: opts.batches };
  const scratch = mkdtempSync(path.join(tmpdir(), 'reprise-bench-floor-'));
  const rows: Record<string, number>[] = [];
  let profile: { main: ProfileSummary; workers: ProfileSummary } | null = null;
  try {
    for (let run = 0; run < opts.runs; run++) {
      const { row, pass: r } = await measureRun(run, bodies, load, scratch, opts.batches);
      rows.push(row);
      log(
        `ingest run ${run + 1}/${opts.runs}: ${describePass(SQLITE, r, opts.batches)}; floor ${row.floorFsyncBatchesPerS!.toFixed(0)} ` +
          `batches/s with fsync, ${row.floorNoFsyncBatchesPerS!.toFixed(0)} without; ratio ${row.ratioFloorFsync!.toFixed(3)}`,
      );
    }
    if (opts.profile) profile = await profilePass(bodies, load, log);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  log(`scale-out: ${opts.scale.runs} run(s) of PostgreSQL + S3 with one and two instances, ${opts.scale.requests} batches each`);
  const scale = await runScaleOut(opts.scale, events, log);

  return {
    name: 'ingest',
    title: 'Ingest throughput',
    measured: measuredText(opts),
    baseline: BASELINE,
    machine: describeMachine(null),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: {
      batches: opts.batches,
      connections: opts.connections,
      sessions: opts.sessions,
      warmup: opts.warmup,
      scaleOutRuns: opts.scale.runs,
      scaleOutBatches: opts.scale.requests,
      scaleOutConnections: opts.scale.connections,
      revision: gitRevision(),
    },
    metrics: [
      ...collectMetrics(SPECS, rows),
      ...collectMetrics(
        SCALE_SPECS,
        scale.map((r) => r.row),
      ),
    ],
    headline: [
      'sqliteBatchesPerS',
      'sqliteMBPerS',
      'sqliteP50Ms',
      'sqliteP99Ms',
      'floorFsyncBatchesPerS',
      'floorNoFsyncBatchesPerS',
      'ratioFloorFsync',
      'ratioFloorNoFsync',
      'pg1BatchesPerS',
      'pg2BatchesPerS',
      'pg2P99Ms',
      'ratioPg2Pg1',
    ],
    notes: [
      ...ingestNotes(rows, profile),
      `Each of the ${opts.runs} runs measures Reprise, then the floor; figures are medians over the runs (PostgreSQL + S3: ${opts.scale.runs} run(s)).`,
      ...scaleNotes(scale),
    ],
  };
}

type Bodies = Parameters<typeof runScenario>[1];
type Load = Parameters<typeof runScenario>[2];

/** One run: Reprise on SQLite, then the floor with and without fsync; the run's row and Reprise's pass. */
async function measureRun(run: number, bodies: Bodies, load: Load, scratch: string, batches: number) {
  // Reprise and the floor back to back on the same bodies, so both see the same machine.
  const r = await runScenario(SQLITE, bodies, load);
  const synced = floorPass(path.join(scratch, `fsync-${run}.ndjson`), true, bodies.measured);
  const unsynced = floorPass(path.join(scratch, `nofsync-${run}.ndjson`), false, bodies.measured);
  const row: Record<string, number> = {
    ...scenarioRow(SQLITE, r, batches),
    ...floorRow('floorFsync', synced),
    ...floorRow('floorNoFsync', unsynced),
    batchKBCompressedMedian:
      percentile(
        bodies.measured.map((b) => b.gzip.length),
        50,
      ) / 1000,
    batchKBDecompressedMedian:
      percentile(
        bodies.measured.map((b) => b.rawBytes),
        50,
      ) / 1000,
  };
  row.ratioFloorFsync = row.sqliteBatchesPerS! / row.floorFsyncBatchesPerS!;
  row.ratioFloorNoFsync = row.sqliteBatchesPerS! / row.floorNoFsyncBatchesPerS!;
  return { row, pass: r };
}

/** One more SQLite pass under the V8 profiler: where the main thread and the workers spend their time. */
async function profilePass(
  bodies: Bodies,
  load: Load,
  log: (line: string) => void,
): Promise<{ main: ProfileSummary; workers: ProfileSummary }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'reprise-bench-prof-'));
  try {
    await runScenario(SQLITE, bodies, load, dir);
    const profile = {
      main: summarizeProfiles(dir, PROFILED_FUNCTIONS, 'main'),
      workers: summarizeProfiles(dir, PROFILED_FUNCTIONS, 'workers'),
    };
    log(
      `  profile, main thread: ${profile.main.self
        .slice(0, 5)
        .map((x) => `${x.area} ${(x.share * 100).toFixed(0)}%`)
        .join(', ')}`,
    );
    return profile;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
