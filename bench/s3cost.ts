import pg from 'pg';
import type { ReplayEvent } from '@reprise/protocol';
import { extractIndexRows } from '../packages/server/src/ingest/extract.js';
import { loadConfig } from '../packages/server/src/config.js';
import { encodeBatch } from '../packages/server/src/store/chunks/batch-chunks.js';
import { S3ChunkStore } from '../packages/server/src/store/chunks/s3.js';
import { PgStore } from '../packages/server/src/store/postgres/pg-store.js';
import type { AppendBatchInput } from '../packages/server/src/store/types.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { cpuDelta, readProcs } from './lib/procs.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { createScenarioStorage } from './lib/scale-out.js';
import { PG_ADMIN_URL } from './lib/load-targets.js';
import { median } from './lib/stats.js';

export interface S3CostOptions {
  runs: number;
  /** Recording sessions sending at once, each a batch every `batchEveryMs`. */
  sessions: number;
  /** Measured seconds of recording per mode and run. */
  durationS: number;
  batchEveryMs: number;
  /** The packing window of the "on" mode (the server's default). */
  windowMs: number;
  command: string;
  log?: (line: string) => void;
}

export function s3costOptions(args: { runs?: number; durationS?: number; smoke: boolean; command: string }): S3CostOptions {
  return {
    runs: args.runs ?? (args.smoke ? 1 : 5),
    // Smoke: 50 sessions = 10 batches a second, so a 250 ms window packs a few.
    sessions: args.smoke ? 50 : 100,
    durationS: args.durationS ?? (args.smoke ? 5 : 20),
    batchEveryMs: 5000,
    windowMs: 250,
    command: args.command,
  };
}

type Mode = 'off' | 'on';

const SPECS: MetricSpec[] = [
  { key: 'onPutsPerMin', label: 'packing on: PutObject per recorded session-minute', unit: 'req/min', role: 'reprise' },
  { key: 'offPutsPerMin', label: 'packing off: PutObject per recorded session-minute', unit: 'req/min', role: 'baseline' },
  { key: 'putRatio', label: 'PutObject per session-minute, on / off', unit: 'ratio', role: 'ratio' },
  { key: 'onReqPerMin', label: 'packing on: all S3 requests per session-minute (ingest + compaction)', unit: 'req/min', role: 'reprise' },
  {
    key: 'offReqPerMin',
    label: 'packing off: all S3 requests per session-minute (ingest + compaction)',
    unit: 'req/min',
    role: 'baseline',
  },
  { key: 'reqRatio', label: 'all S3 requests per session-minute, on / off', unit: 'ratio', role: 'ratio' },
  { key: 'onCpuMs', label: 'packing on: Reprise CPU per batch (store path, in process)', unit: 'ms', role: 'reprise' },
  { key: 'offCpuMs', label: 'packing off: Reprise CPU per batch', unit: 'ms', role: 'baseline' },
  { key: 'cpuRatio', label: 'Reprise CPU per batch, on / off', unit: 'ratio', role: 'ratio' },
  { key: 'onPgCpuMs', label: 'packing on: PostgreSQL backends CPU per batch', unit: 'ms', role: 'reprise' },
  { key: 'offPgCpuMs', label: 'packing off: PostgreSQL backends CPU per batch', unit: 'ms', role: 'baseline' },
  { key: 'pgCpuRatio', label: 'PostgreSQL CPU per batch, on / off', unit: 'ratio', role: 'ratio' },
  { key: 'onS3CpuMs', label: 'packing on: object store (Swift) CPU per batch', unit: 'ms', role: 'reprise' },
  { key: 'offS3CpuMs', label: 'packing off: object store (Swift) CPU per batch', unit: 'ms', role: 'baseline' },
  { key: 's3CpuRatio', label: 'object store CPU per batch, on / off', unit: 'ratio', role: 'ratio' },
  { key: 'onAckP50Ms', label: 'packing on: median ack latency', unit: 'ms', role: 'info' },
  { key: 'offAckP50Ms', label: 'packing off: median ack latency', unit: 'ms', role: 'info' },
  { key: 'batchesPerPack', label: 'packing on: batches per PutObject', unit: 'batches', role: 'info' },
];

/** A few seconds of a shopper's page: pointer moves, a click, an input, a console line, a fetch. */
function batchEvents(t0: number): ReplayEvent[] {
  const out: ReplayEvent[] = [];
  for (let i = 0; i < 40; i++)
    out.push({
      t: t0 + i * 100,
      kind: 'dom',
      data: { type: 3, timestamp: t0 + i * 100, data: { source: 1, positions: [{ x: 10 + i, y: 200 - i, id: 12, timeOffset: 0 }] } },
    });
  out.push({ t: t0 + 4100, kind: 'dom', data: { type: 3, timestamp: t0 + 4100, data: { source: 2, type: 2, id: 31, x: 120, y: 48 } } });
  out.push({ t: t0 + 4200, kind: 'console', data: { level: 'log', args: ['cart updated', String(t0)] } });
  return out;
}

interface ModeResult {
  batches: number;
  puts: number;
  requests: number;
  cpuMs: number;
  pgCpuMs: number;
  s3CpuMs: number;
  ackP50Ms: number;
}

/**
 * One mode of one run: a fresh database and bucket prefix, `sessions` recorders each sending a
 * batch every `batchEveryMs` (starts spread over the interval) for `durationS`, then every
 * session compacted as the idle job would. S3 requests are counted at the SDK (a middleware);
 * CPU from process.cpuUsage (this process only runs the store here) and /proc (PostgreSQL backends
 * of this database, Swift's processes).
 */
async function runMode(opts: S3CostOptions, mode: Mode): Promise<ModeResult> {
  const storage = await createScenarioStorage('postgres');
  const config = loadConfig(storage.env);
  const chunks = new S3ChunkStore(config.s3!);
  const counts = new Map<string, number>();
  chunks.client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String((context as { commandName?: string }).commandName ?? 'other');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'requestCounter' },
  );
  const store = await PgStore.open({
    url: config.databaseUrl!,
    chunks,
    pack: mode === 'on' ? { windowMs: opts.windowMs, maxBytes: config.ingestPack.maxBytes } : null,
    name: 'reprise-s3cost',
  });
  try {
    const project = await store.createProject({ name: 'bench', allowedOrigins: ['*'] });
    const perSession = Math.max(1, Math.round((opts.durationS * 1000) / opts.batchEveryMs));
    const inputs: { at: number; input: AppendBatchInput }[] = [];
    const facts = { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null };
    for (let s = 0; s < opts.sessions; s++) {
      const sessionId = `sess_bench_${mode}_${s}`;
      const offset = (s * opts.batchEveryMs) / opts.sessions;
      for (let seq = 0; seq < perSession; seq++) {
        const events = batchEvents(1_700_000_000_000 + seq * opts.batchEveryMs);
        const batch = { v: 1 as const, sessionId, seq, events, meta: { url: 'https://shop.example/cart' } };
        const input: AppendBatchInput = {
          projectId: project.id,
          batch,
          facts,
          index: extractIndexRows(events, batch.meta),
          receivedAt: Date.now(),
          chunk: encodeBatch(events),
        };
        inputs.push({ at: offset + seq * opts.batchEveryMs, input });
      }
    }
    inputs.sort((a, b) => a.at - b.at);
    counts.clear();
    const pgPids = async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        const r = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [storage.database]);
        return new Set(r.rows.map((x) => x.pid));
      } finally {
        await c.end();
      }
    };
    const procs0 = readProcs();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const latencies: number[] = [];
    const sends: Promise<void>[] = [];
    for (const { at, input } of inputs) {
      const wait = t0 + at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sent = performance.now();
      sends.push(
        store.appendBatch({ ...input, receivedAt: Date.now() }).then(() => {
          latencies.push(performance.now() - sent);
        }),
      );
    }
    await Promise.all(sends);
    const cpu = process.cpuUsage(cpu0);
    const pids = await pgPids();
    const deltas = cpuDelta(procs0, readProcs());
    const ingestPuts = counts.get('PutObjectCommand') ?? 0;
    // What the idle job does later with these sessions (copying out of shared packs, packing small objects).
    for (let s = 0; s < opts.sessions; s++) await store.compactSession(`sess_bench_${mode}_${s}`);
    const requests = [...counts.values()].reduce((a, b) => a + b, 0);
    const n = inputs.length;
    return {
      batches: n,
      puts: ingestPuts,
      requests,
      cpuMs: (cpu.user + cpu.system) / 1000 / n,
      pgCpuMs: deltas.filter((p) => pids.has(p.pid)).reduce((a, p) => a + p.cpuMs, 0) / n,
      s3CpuMs: deltas.filter((p) => p.cmdline.includes('swift-') || p.comm === 'memcached').reduce((a, p) => a + p.cpuMs, 0) / n,
      ackP50Ms: median(latencies),
    };
  } finally {
    await store.close();
    await storage.cleanup();
  }
}

export async function runS3cost(opts: S3CostOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const rows: Record<string, number>[] = [];
  for (let run = 0; run < opts.runs; run++) {
    // Alternate which mode goes first, so a drift in the machine's load favours neither.
    const order: Mode[] = run % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    const r = {} as Record<Mode, ModeResult>;
    for (const m of order) r[m] = await runMode(opts, m);
    // Each batch is `batchEveryMs` of one session's recording.
    const minutes = (b: number) => (b * opts.batchEveryMs) / 60_000;
    const row = {
      onPutsPerMin: r.on.puts / minutes(r.on.batches),
      offPutsPerMin: r.off.puts / minutes(r.off.batches),
      putRatio: r.on.puts / r.on.batches / (r.off.puts / r.off.batches),
      onReqPerMin: r.on.requests / minutes(r.on.batches),
      offReqPerMin: r.off.requests / minutes(r.off.batches),
      reqRatio: r.on.requests / r.on.batches / (r.off.requests / r.off.batches),
      onCpuMs: r.on.cpuMs,
      offCpuMs: r.off.cpuMs,
      cpuRatio: r.on.cpuMs / r.off.cpuMs,
      onPgCpuMs: r.on.pgCpuMs,
      offPgCpuMs: r.off.pgCpuMs,
      pgCpuRatio: r.off.pgCpuMs > 0 ? r.on.pgCpuMs / r.off.pgCpuMs : 0,
      onS3CpuMs: r.on.s3CpuMs,
      offS3CpuMs: r.off.s3CpuMs,
      s3CpuRatio: r.off.s3CpuMs > 0 ? r.on.s3CpuMs / r.off.s3CpuMs : 0,
      onAckP50Ms: r.on.ackP50Ms,
      offAckP50Ms: r.off.ackP50Ms,
      batchesPerPack: r.on.puts > 0 ? r.on.batches / r.on.puts : 0,
    };
    rows.push(row);
    log(
      `s3cost run ${run + 1}/${opts.runs}: PUT/session-min off ${row.offPutsPerMin.toFixed(2)} on ${row.onPutsPerMin.toFixed(2)} ` +
        `(×${row.putRatio.toFixed(3)}); CPU/batch off ${row.offCpuMs.toFixed(2)} ms on ${row.onCpuMs.toFixed(2)} ms (×${row.cpuRatio.toFixed(2)}); ` +
        `pg ×${row.pgCpuRatio.toFixed(2)}, swift ×${row.s3CpuRatio.toFixed(2)}; ack p50 off ${row.offAckP50Ms.toFixed(0)} ms on ${row.onAckP50Ms.toFixed(0)} ms`,
    );
  }
  return {
    name: 's3cost',
    title: 'PostgreSQL + S3: requests and CPU per recorded minute, ingest packing on against off',
    measured:
      `${opts.sessions} recording sessions, each sending a 5 s batch (42 events) every ${opts.batchEveryMs / 1000} s for ${opts.durationS} s, ` +
      `starts spread over the interval, into PgStore.appendBatch (PostgreSQL 127.0.0.1, OpenStack Swift from scripts/s3) in process, ` +
      `batches already decoded and encoded as ingest hands them over; then every session compacted as the idle job does. ` +
      `Packing on: the default ${opts.windowMs} ms window. S3 requests counted at the AWS SDK (a middleware); ` +
      'Reprise CPU = process.cpuUsage of the bench process over the ingest phase (it runs only the store and the send loop); ' +
      "PostgreSQL CPU = /proc time of this database's backends; object store CPU = /proc time of every Swift process.",
    baseline: 'The same workload with packing off (one object per batch, today’s behaviour), fresh database and prefix, in the same run.',
    machine: describeMachine(null),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: {
      sessions: opts.sessions,
      durationS: opts.durationS,
      batchEveryMs: opts.batchEveryMs,
      windowMs: opts.windowMs,
      revision: gitRevision(),
    },
    metrics: collectMetrics(SPECS, rows),
    headline: ['putRatio', 'reqRatio', 'cpuRatio', 'pgCpuRatio', 's3CpuRatio', 'onAckP50Ms', 'offAckP50Ms'],
    notes: [
      'A recorded session-minute = 12 batches (one per 5 s). Requests include the compaction that follows: it copies each session out of shared packs (a ranged GET per batch, a PUT per session) or packs its small objects (a GET per batch, a PUT per session, a DELETE per batch).',
      'Swift is shared with other work on the machine (other test runs): its CPU figure carries their load; PostgreSQL counts only this database’s backends.',
      'Target: halve Reprise CPU per batch. The first profile of the store path with packing on (node --cpu-prof over `npm run bench -- s3cost --smoke`) put ~61% in socket writes (a write per SQL statement: every batch of a pack still sent its own ~10 statements). Since then a pack’s rows go in one multi-row statement per table and round (store/postgres/pack-rows.ts: sessions created or locked, batch rows, index rows, the signal reads and every session summary in one UPDATE), so a pack of n batches sends ~10 statements instead of ~10 n. What each batch still costs on its own: the ownership and duplicate check before it joins a pack (one SELECT), the chunk seal, and its share of the pack’s PutObject (the S3 client: signing, hashing).',
      'The ack waits for the window: packing trades up to the window in latency (recorders send every 5 s and do not wait for it) for fewer requests.',
    ],
  };
}
