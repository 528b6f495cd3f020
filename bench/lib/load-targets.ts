/**
 * Load for the ingest benchmarks: the request bodies, and one autocannon per `reprise serve`
 * process all at once, with the CPU of the server, PostgreSQL, S3 and the load generator.
 */
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import pg from 'pg';
import type { ReplayEvent } from '@reprise/protocol';
import { cpuDelta, machineShare, readMachineCpu, readProcs, readThreadCpuMs, type ProcCpu } from './procs.js';
import type { ServerProcess } from './scale-out.js';
import { percentile } from './stats.js';
import { toBatch } from './synthetic-rrweb.js';

export const PG_ADMIN_URL = process.env.REPRISE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * `count` gzip batch bodies, each a distinct (session, seq): body i is seq ⌊i / sessions⌋ of
 * session i mod sessions, so requests in flight at once belong to different sessions (as many
 * tabs uploading) and a session's batches follow each other at a distance. Body i carries the
 * events of synthetic batch i mod events.length, so the mix of full snapshots (one batch in
 * `pageEvery`) and incremental batches is the recorder's, whatever the seq.
 */
export function scaleBodies(tag: string, count: number, sessions: number, events: ReplayEvent[][]): LoadBody[] {
  const out: LoadBody[] = [];
  for (let i = 0; i < count; i++) {
    const raw = Buffer.from(
      JSON.stringify(toBatch(`bench-so-${tag}-${i % sessions}`, Math.floor(i / sessions), events[i % events.length]!)),
    );
    out.push({ gzip: gzipSync(raw), rawBytes: raw.length });
  }
  return out;
}

/** One request body: the gzip batch as a recorder sends it, and its decompressed size. */
export interface LoadBody {
  gzip: Buffer;
  rawBytes: number;
}

export interface LoadResult {
  /** Acknowledged batches over the wall time of the whole (possibly multi-target) pass. */
  batchesPerS: number;
  /** Per request, over every target. */
  latenciesMs: number[];
  wallMs: number;
  /** Decompressed bytes of every acknowledged body. */
  rawBytes: number;
  /** CPU ms used during the pass, by role; `serverMain` is the server processes' main (JavaScript) threads alone. */
  cpu: { server: number; serverMain: number; postgres: number; s3: number; client: number; other: number };
  /** Share (0..1) of all cores busy, and waiting on I/O, during the pass. */
  machineBusy: number;
  machineIowait: number;
  /** PostgreSQL backends of the database, sampled: what active ones were doing (wait event or CPU). */
  pgWaits: Map<string, number>;
  pgSamples: number;
}

/**
 * One autocannon per target, all at once, each POSTing its own bodies (exactly one request per
 * body, every one a distinct (session, seq)); every answer must be a 200 that is not a duplicate.
 */
export async function loadTargets(
  targets: { server: ServerProcess; bodies: LoadBody[] }[],
  opts: { connections: number; database: string | null },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const serverPids = new Set(targets.map((t) => t.server.pid));
  const pgSampler = opts.database ? samplePgActivity(opts.database) : null;
  const mainCpu = () => [...serverPids].reduce((n, pid) => n + readThreadCpuMs(pid), 0);
  const procsBefore = readProcs();
  const mainBefore = mainCpu();
  const machineBefore = readMachineCpu();
  const start = performance.now();
  // autocannon notices the end on its 1 s ticker: the pass ends at the last response instead.
  let lastResponse = start;
  const expected = targets.reduce((n, t) => n + t.bodies.length, 0);
  let after: { procs: Map<number, ProcCpu>; main: number; machine: ReturnType<typeof readMachineCpu> } | null = null;
  const onResponse = (ms: number) => {
    latencies.push(ms);
    lastResponse = performance.now();
    // The last answer ends the pass: CPU is read here, not at autocannon's next tick.
    if (latencies.length === expected) after = { procs: readProcs(), main: mainCpu(), machine: readMachineCpu() };
  };
  const results = await Promise.all(targets.map(({ server, bodies }) => loadOne(server, bodies, opts.connections, onResponse))).catch(
    async (err: unknown) => {
      await pgSampler?.stop();
      throw err;
    },
  );
  const wallMs = lastResponse - start;
  after ??= { procs: readProcs(), main: mainCpu(), machine: readMachineCpu() };
  const machine = machineShare(machineBefore, after.machine);
  const procs = cpuDelta(procsBefore, after.procs);
  const pgActivity = pgSampler ? await pgSampler.stop() : { pids: new Set<number>(), waits: new Map<string, number>(), samples: 0 };
  const acked = ackedCount(targets, results);
  return {
    batchesPerS: acked / (wallMs / 1000),
    latenciesMs: latencies,
    wallMs,
    rawBytes: targets.reduce((n, t) => n + t.bodies.reduce((m, b) => m + b.rawBytes, 0), 0),
    cpu: { ...classify(procs, serverPids, pgActivity.pids), serverMain: after.main - mainBefore },
    machineBusy: machine.busy,
    machineIowait: machine.iowait,
    pgWaits: pgActivity.waits,
    pgSamples: pgActivity.samples,
  };
}

type TargetResult = autocannon.Result & { duplicates: number; firstError: string };

/** One autocannon POSTing each of `bodies` once to `server`; `onResponse` gets every response time (ms). */
function loadOne(server: ServerProcess, bodies: LoadBody[], connections: number, onResponse: (ms: number) => void): Promise<TargetResult> {
  let next = 0;
  let duplicates = 0;
  let firstError = '';
  return new Promise<TargetResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.base,
        connections: Math.min(connections, bodies.length),
        amount: bodies.length,
        timeout: 60,
        requests: [
          {
            method: 'POST',
            path: `/ingest/v1/batch?key=${encodeURIComponent(server.projectKey)}`,
            headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
            setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]!.gzip }),
            onResponse: (status, body) => {
              if (status === 200 && body.includes('"duplicate":true')) duplicates++;
              if (status !== 200 && !firstError) firstError = `${status} ${body.slice(0, 300)}`;
            },
          },
        ],
      },
      (err: unknown, r: autocannon.Result) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve({ ...r, duplicates, firstError }),
    );
    // autocannon emits (client, statusCode, resBytes, responseTime); @types/autocannon omits the client.
    (instance as unknown as { on(e: 'response', f: (c: unknown, s: number, b: number, ms: number) => void): void }).on(
      'response',
      (_c, _s, _b, ms) => onResponse(ms),
    );
  });
}

/** Batches acknowledged over all targets; throws unless every body of every target was acknowledged once. */
function ackedCount(targets: { bodies: LoadBody[] }[], results: TargetResult[]): number {
  let acked = 0;
  for (const [i, r] of results.entries()) {
    const sent = targets[i]!.bodies.length;
    if (r['2xx'] !== sent || r.errors > 0 || r.duplicates > 0) {
      throw new Error(
        `target ${i}: ${r['2xx']} of ${sent} acknowledged (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, ${r.duplicates} duplicates)${r.firstError ? `; first error: ${r.firstError}` : ''}`,
      );
    }
    acked += r['2xx'];
  }
  return acked;
}

function classify(procs: ProcCpu[], serverPids: Set<number>, pgPids: Set<number>): Omit<LoadResult['cpu'], 'serverMain'> {
  const cpu = { server: 0, postgres: 0, s3: 0, client: 0, other: 0 };
  for (const p of procs) {
    if (serverPids.has(p.pid)) cpu.server += p.cpuMs;
    else if (p.pid === process.pid) cpu.client += p.cpuMs;
    else if (pgPids.has(p.pid)) cpu.postgres += p.cpuMs;
    else if (p.cmdline.includes('swift-') || p.comm === 'memcached') cpu.s3 += p.cpuMs;
    else cpu.other += p.cpuMs;
  }
  return cpu;
}

/**
 * Samples pg_stat_activity every 20 ms while a load runs: the pids of the database's backends (for
 * their CPU), the WAL writer's, and what each active backend was doing: a wait event
 * (`IO:WALSync`, `Lock:transactionid`, …) or `CPU` when it had none.
 */
function samplePgActivity(database: string): { stop(): Promise<{ pids: Set<number>; waits: Map<string, number>; samples: number }> } {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, application_name: 'reprise-bench-sampler' });
  const pids = new Set<number>();
  const waits = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const r = await client.query<{
        pid: number;
        state: string | null;
        wait_event_type: string | null;
        wait_event: string | null;
        backend_type: string;
      }>(
        `SELECT pid, state, wait_event_type, wait_event, backend_type FROM pg_stat_activity
         WHERE (datname = $1 AND application_name <> 'reprise-bench-sampler') OR backend_type = 'walwriter'`,
        [database],
      );
      for (const row of r.rows) {
        pids.add(row.pid);
        if (row.backend_type !== 'client backend' || row.state !== 'active') continue;
        const key = row.wait_event ? `${row.wait_event_type}:${row.wait_event}` : 'CPU';
        waits.set(key, (waits.get(key) ?? 0) + 1);
        samples++;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      return { pids, waits, samples };
    },
  };
}

export function latencyPercentiles(ms: number[]): { p50: number; p99: number } {
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}
