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
  type ScaleOutRun,
} from './lib/scale-out.js';
import { scaleBodies, type LoadBody } from './lib/load-targets.js';
import { summarizeProfiles, type ProfileSummary } from './lib/cpu-profile.js';
import { median, percentile, sum } from './lib/stats.js';
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
  { key: 'ratioFloorFsync', label: 'Reprise / floor with fsync, throughput (target ≥ 0.5)', unit: 'ratio', role: 'ratio' },
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

function measuredText(opts: IngestOptions): string {
  return (
    `\`reprise serve\` (the built CLI, one process, logging at warn, no background jobs) on SQLite + local files, fresh ` +
    `storage per run, under autocannon: ${opts.batches} gzip batches per run over ${opts.connections} connections, after ` +
    `${opts.warmup} warm-up batches. The batches are synthetic rrweb (seeded; a meta + full snapshot of ~2000 nodes every 20 ` +
    `batches, otherwise 5 s of mouse moves, clicks, scrolls, inputs and DOM mutations) as a recorder sends them, each a ` +
    `distinct session/seq over ${opts.sessions} sessions; every answer must be a 200 ack that is not a duplicate, and an ack ` +
    `means the batch is durable (chunk file and row fsynced). Throughput = acknowledged batches (or their decompressed MB) / ` +
    `wall time from the first request to the last answer; latency is per request, so it includes queueing behind the ` +
    `${opts.connections} in flight. CPU from /proc: the server process (all threads, and its main JavaScript thread alone) and ` +
    `the load generator. Scale-out (issue "scale-out"): the same load (${opts.scale.requests} batches, ${opts.scale.connections} ` +
    `connections per instance) on PostgreSQL 15 (local, a new database) + S3 (the local OpenStack Swift of scripts/s3, a new key ` +
    `prefix) with one instance, and with two instances on the same database and bucket, each loaded by its own autocannon at ` +
    `once (every other batch each, so no session has two batches in flight). Each of the two is started once (storage, ` +
    `instances, ${opts.scale.warmup} warm-up batches per instance); a run is one pass of each, with sessions of its own. CPU ` +
    `per batch of the server processes, PostgreSQL's backends, Swift's processes and the load generator.`
  );
}

const BASELINE =
  'The physical floor for the same bytes, measured in the same run right after Reprise: the same gzip bodies, one after ' +
  'another in the benchmark process with no HTTP, each gunzipSync + JSON.parse + appended to one file, with an fsync after ' +
  'each batch (and again without fsync). Throughput = batches (or decompressed MB) / the summed time. The target ratio ' +
  '(Reprise ≥ 50% of the floor) is against the floor with fsync: Reprise acknowledges only durable batches, so that is the ' +
  'like-for-like floor; the ratio against the floor without fsync is reported too. For the scale-out figures one instance ' +
  'is the baseline of two.';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** What Reprise does beyond the floor, and where the SQLite pass spends its time. */
function ingestNotes(rows: Record<string, number>[], profile: { main: ProfileSummary; workers: ProfileSummary } | null): string[] {
  const m = (key: string) => median(rows.map((r) => r[key]!));
  const notes = [
    'Per batch Reprise does what the floor does (gunzip, JSON.parse) plus HTTP (Fastify), the project key lookup, ' +
      'validation (zod), index extraction, the chunk file (the upload stored as received: create, write, fdatasync, directory ' +
      'fsync) and the SQLite rows. Inflating, parsing, validating and extracting run on decode threads, one per core beyond ' +
      `the first (here: ${Math.max(0, Math.min(4, describeMachine(null).cores - 1))}); appends whose chunk files are durable ` +
      'in the same event-loop turn share one SQLite transaction and so one WAL fsync (synchronous=FULL). The floor does one ' +
      'append + fsync per batch on one thread.',
    `Reprise pass: ${ms(m('sqliteServerCpuMs'))} of CPU per batch in the server (main thread ${ms(m('sqliteMainCpuMs'))}, ` +
      `that is busy ${Math.round(m('sqliteMainBusyPct'))}% of the pass), ${ms(m('sqliteClientCpuMs'))} in autocannon, ` +
      `${ms(m('sqliteOtherCpuMs'))} in other processes of the shared machine. The floor spends ` +
      `${ms(1000 / m('floorNoFsyncBatchesPerS'))} per batch without fsync and ${ms(1000 / m('floorFsyncBatchesPerS'))} with it.`,
    bottleneck(m),
  ];
  if (profile && profile.main.samples > 0) {
    const top = (p: ProfileSummary, n: number) =>
      p.self
        .slice(0, n)
        .map((x) => `${x.area} ${pct(x.share)}`)
        .join(', ');
    notes.push(
      `CPU profile of the server in an extra SQLite pass (node --cpu-prof; start-up left out; time of Node internals and ` +
        `natives goes to the library or Reprise code that called them; a sample counts while the thread runs or waits in a ` +
        `native call, such as the WAL fsync inside a commit). Main thread: ${top(profile.main, 9)}; inclusive: ` +
        `${profile.main.inclusive
          .filter((x) => x.share > 0)
          .map((x) => `${x.fn} ${pct(x.share)}`)
          .join(', ')} (commitPending = ` +
        'the shared SQLite transactions with their WAL fsync; writeBatch = the chunk file). ' +
        (profile.workers.samples > 0
          ? `Decode thread (${Math.round((profile.workers.samples / profile.main.samples) * 100)}% as many busy samples as the ` +
            `main thread): ${top(profile.workers, 5)} (JSON.parse counts as ingest/decode.js).`
          : 'No decode thread ran (one core).'),
    );
  }
  return notes;
}

/** What limits the SQLite pass, in words, from the medians (CPU per batch from /proc). */
function bottleneck(m: (key: string) => number): string {
  const cores = describeMachine(null).cores;
  const own = m('sqliteServerCpuMs') + m('sqliteClientCpuMs');
  const total = own + m('sqliteOtherCpuMs');
  const busy = m('sqliteBusyPct');
  const rest =
    `the server's main thread (HTTP, SQLite, the file calls) ${ms(m('sqliteMainCpuMs'))}, its decode thread, ` +
    'threadpool and kernel work (inflating, JSON.parse, validation; creating, writing and fsyncing each chunk file and its ' +
    `directory; the WAL) ${ms(m('sqliteServerCpuMs') - m('sqliteMainCpuMs'))}`;
  if (busy >= 85) {
    return (
      `Bottleneck: CPU. All ${cores} cores were ${Math.round(busy)}% busy, and ${total.toFixed(1)} ms of CPU per batch (Reprise ` +
      `and autocannon ${own.toFixed(1)} ms, other processes ${m('sqliteOtherCpuMs').toFixed(1)} ms) caps them at ` +
      `~${Math.round((cores * 1000) / total)} batches/s (measured: ${Math.round(m('sqliteBatchesPerS'))}). Of Reprise's share: ${rest}. ` +
      'The floor runs on one thread and waits for each fsync; Reprise overlaps its fsyncs and spreads its CPU over threads.'
    );
  }
  return (
    `The cores were ${Math.round(busy)}% busy: not CPU-bound. Requests waited on fsyncs (each batch's chunk file and ` +
    `directory, one WAL fsync per group commit) with ${rest}.`
  );
}

/** The PostgreSQL + S3 bottleneck, in words, from the measured figures (CPU per batch, wait events). */
function scaleNotes(runs: ScaleOutRun[]): string[] {
  if (runs.length === 0) return [];
  const m = (key: string) => median(runs.map((r) => r.row[key]!));
  const other = (sc: string) => median(runs.map((r) => r.otherCpuMs[sc] ?? 0));
  const notes: string[] = [];
  const cores = describeMachine(null).cores;
  for (const sc of [PG1, PG2]) {
    const k = sc.key;
    const total = m(`${k}ServerCpuMs`) + m(`${k}PgCpuMs`) + m(`${k}S3CpuMs`) + m(`${k}ClientCpuMs`) + other(k);
    notes.push(
      `CPU per acknowledged batch, ${sc.label}: Reprise ${ms(m(`${k}ServerCpuMs`))}, S3 server (Swift's Python s3api, ` +
        `memcached) ${ms(m(`${k}S3CpuMs`))}, PostgreSQL ${ms(m(`${k}PgCpuMs`))}, autocannon ${ms(m(`${k}ClientCpuMs`))}, other ` +
        `work on the shared machine ${ms(other(k))}; ${cores} cores ${Math.round(m(`${k}BusyPct`))}% busy. ${total.toFixed(1)} ms ` +
        `of CPU per batch caps ${cores} cores at ~${Math.round((cores * 1000) / total)} batches/s (measured: ` +
        `${m(`${k}BatchesPerS`).toFixed(1)}).`,
    );
  }
  const busy2 = m('pg2BusyPct');
  const ratio = m('ratioPg2Pg1');
  const s3Share = m('pg2S3CpuMs') / (m('pg2ServerCpuMs') + m('pg2PgCpuMs') + m('pg2S3CpuMs'));
  notes.push(
    busy2 >= 85
      ? `Scale-out bottleneck: CPU. With two instances the machine's ${cores} cores were ${Math.round(busy2)}% busy, so a ` +
          `second instance ` +
          (ratio < 1.1
            ? `cannot add throughput here (two / one = ×${ratio.toFixed(2)})`
            : `adds only the CPU one instance left idle (×${ratio.toFixed(2)})`) +
          `: Reprise, PostgreSQL and the S3 server share the same cores, and the S3 server alone takes ${pct(s3Share)} of the ` +
          `CPU the stack spends per batch. Instances scale when they get cores of their own; then each instance's ` +
          `${ms(m('pg2ServerCpuMs'))} of CPU per batch is the figure to size by.`
      : `With two instances the cores were ${Math.round(busy2)}% busy: not CPU-bound; the instances wait on PostgreSQL and S3 ` +
          `(see the wait events), so more concurrency or instances would add throughput.`,
  );
  const waits = new Map<string, number>();
  for (const r of runs) for (const [k, v] of r.pgWaits) waits.set(k, (waits.get(k) ?? 0) + v);
  const n = [...waits.values()].reduce((a, b) => a + b, 0);
  if (n > 0) {
    const top = [...waits.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const wal = [...waits.entries()].filter(([k]) => /WAL/.test(k)).reduce((a, [, v]) => a + v, 0);
    const locks = [...waits.entries()].filter(([k]) => k.startsWith('Lock:')).reduce((a, [, v]) => a + v, 0);
    notes.push(
      `PostgreSQL during the two-instance passes (pg_stat_activity sampled every 20 ms; ${n} samples of an active backend): ` +
        `${top.map(([k, v]) => `${k} ${pct(v / n)}`).join(', ')}; WAL (a commit waiting for its flush, one per acknowledged ` +
        `batch with synchronous_commit=on) ${pct(wal / n)}, heavyweight locks (Lock:*) ${pct(locks / n)}.`,
    );
  }
  return notes;
}
