import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import pg from 'pg';
import type { ReplayEvent } from '@reprise/protocol';
import { S3ChunkStore } from '../../packages/server/src/store/chunks/s3.js';
import { cpuDelta, machineShare, readMachineCpu, readProcs, readThreadCpuMs, type ProcCpu } from './procs.js';
import { BENCH_DIR } from './results.js';
import { percentile } from './stats.js';
import { toBatch } from './synthetic-rrweb.js';

/**
 * The scale-out part of the ingest benchmark: real `reprise serve` processes (the built CLI)
 * under autocannon, on SQLite + local files, and on PostgreSQL + S3 (the local PostgreSQL and
 * the Swift of scripts/s3) with one and with two instances sharing the database and bucket.
 */

const ROOT = path.resolve(BENCH_DIR, '..');
const CLI = path.join(ROOT, 'packages/server/dist/cli.js');
const PG_ADMIN_URL = process.env.REPRISE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BUCKET = 'reprise-bench';
const ADMIN_PASSWORD = 'bench admin password';

export type Backend = 'sqlite' | 'postgres';

export interface ServerProcess {
  base: string;
  pid: number;
  projectKey: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `node packages/server/dist/cli.js serve` with only the given REPRISE_* settings; resolves once it listens. */
export async function startServerProcess(env: Record<string, string>, opts: { cpuProfDir?: string; cli?: string } = {}): Promise<ServerProcess> {
  const cli = opts.cli ?? CLI;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const port = await freePort();
  // Nothing of the caller's REPRISE_* leaks in: the scenario alone decides the backend.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REPRISE_')));
  const args = [...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []), cli, 'serve'];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: {
      ...inherited,
      PORT: String(port),
      REPRISE_HOST: '127.0.0.1',
      REPRISE_DEMO: '0',
      REPRISE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // No background jobs during a measurement.
      REPRISE_RETENTION_INTERVAL_MINUTES: '0',
      REPRISE_COMPACT_AFTER_MINUTES: '0',
      LOG_LEVEL: 'warn',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const projectKey = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reprise serve did not start in 60 s:\n${out}\n${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /project key \(default project\): (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`reprise serve exited with ${code}:\n${out}\n${err}`));
    });
  });
  child.stdout!.resume();
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    projectKey,
    async stop() {
      if (child.exitCode !== null) return;
      // SIGTERM: `serve` closes the app and the store, then exits (and --cpu-prof writes its profile).
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The S3 settings of the local Swift (scripts/s3/swift-start.sh; started when not running). */
async function swiftEnv(): Promise<Record<string, string>> {
  const script = path.join(ROOT, 'scripts/s3/swift-start.sh');
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('flock', ['-o', '/tmp/reprise-swift-start.lock', 'bash', script, BUCKET], { cwd: ROOT, timeout: 300_000 }, (e, so, se) =>
      e ? reject(new Error(`scripts/s3/swift-start.sh failed: ${e.message}\n${String(se).slice(-2000)}`)) : resolve(String(so)),
    ),
  );
  const env: Record<string, string> = {};
  for (const m of stdout.matchAll(/^export (REPRISE_S3_[A-Z_]+)=(.*)$/gm)) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1').replace(/\\(.)/g, '$1');
  if (!env.REPRISE_S3_ENDPOINT) throw new Error(`swift-start.sh printed no endpoint:\n${stdout}`);
  return env;
}

/** Storage for one scenario: a data dir, and for PostgreSQL a new database and bucket prefix. */
export interface ScenarioStorage {
  env: Record<string, string>;
  /** The PostgreSQL database name (null on SQLite). */
  database: string | null;
  cleanup(): Promise<void>;
}

export async function createScenarioStorage(backend: Backend): Promise<ScenarioStorage> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'reprise-bench-scale-'));
  if (backend === 'sqlite') {
    return { env: { REPRISE_DATA_DIR: dataDir }, database: null, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const s3 = await swiftEnv();
  const database = `reprise_bench_${randomBytes(6).toString('hex')}`;
  const prefix = `bench-${randomBytes(6).toString('hex')}/`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  const chunks = new S3ChunkStore({
    endpoint: s3.REPRISE_S3_ENDPOINT, region: s3.REPRISE_S3_REGION ?? 'us-east-1', bucket: BUCKET, prefix, forcePathStyle: true,
    accessKeyId: s3.REPRISE_S3_ACCESS_KEY_ID, secretAccessKey: s3.REPRISE_S3_SECRET_ACCESS_KEY,
  });
  await chunks.ensureBucket();
  return {
    env: { REPRISE_DATA_DIR: dataDir, REPRISE_DATABASE_URL: url.toString(), ...s3, REPRISE_S3_BUCKET: BUCKET, REPRISE_S3_PREFIX: prefix },
    database,
    async cleanup() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await c.end();
      }
      const keys: string[] = [];
      for await (const o of chunks.list('')) keys.push(o.key);
      await chunks.delete(keys);
      await chunks.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

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
    const raw = Buffer.from(JSON.stringify(toBatch(`bench-so-${tag}-${i % sessions}`, Math.floor(i / sessions), events[i % events.length]!)));
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
  const results = await Promise.all(
    targets.map(({ server, bodies }) => {
      let next = 0;
      let duplicates = 0;
      let firstError = '';
      return new Promise<autocannon.Result & { duplicates: number; firstError: string }>((resolve, reject) => {
        const instance = autocannon(
          {
            url: server.base,
            connections: Math.min(opts.connections, bodies.length),
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
          (err: unknown, r: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve({ ...r, duplicates, firstError })),
        );
        // autocannon emits (client, statusCode, resBytes, responseTime); @types/autocannon omits the client.
        (instance as unknown as { on(e: 'response', f: (c: unknown, s: number, b: number, ms: number) => void): void }).on(
          'response',
          (_c, _s, _b, ms) => {
            latencies.push(ms);
            lastResponse = performance.now();
            // The last answer ends the pass: CPU is read here, not at autocannon's next tick.
            if (latencies.length === expected) after = { procs: readProcs(), main: mainCpu(), machine: readMachineCpu() };
          },
        );
      });
    }),
  ).catch(async (err: unknown) => {
    await pgSampler?.stop();
    throw err;
  });
  const wallMs = lastResponse - start;
  after ??= { procs: readProcs(), main: mainCpu(), machine: readMachineCpu() };
  const machine = machineShare(machineBefore, after.machine);
  const procs = cpuDelta(procsBefore, after.procs);
  const pgActivity = pgSampler ? await pgSampler.stop() : { pids: new Set<number>(), waits: new Map<string, number>(), samples: 0 };
  let acked = 0;
  for (const [i, r] of results.entries()) {
    const sent = targets[i]!.bodies.length;
    if (r['2xx'] !== sent || r.errors > 0 || r.duplicates > 0) {
      throw new Error(`target ${i}: ${r['2xx']} of ${sent} acknowledged (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, ${r.duplicates} duplicates)${r.firstError ? `; first error: ${r.firstError}` : ''}`);
    }
    acked += r['2xx'];
  }
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
      const r = await client.query<{ pid: number; state: string | null; wait_event_type: string | null; wait_event: string | null; backend_type: string }>(
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

export interface ScaleOutOptions {
  /** Measured pass: batches per scenario (split evenly over the instances). */
  requests: number;
  /** autocannon connections per instance. */
  connections: number;
  /** Sessions the bodies are spread over. */
  sessions: number;
  /** Unmeasured warm-up batches per instance (JIT, pools, S3 sockets). */
  warmup: number;
  runs: number;
}

export type ScenarioKey = 'sqlite' | 'pg1' | 'pg2';

export interface Scenario {
  key: ScenarioKey;
  backend: Backend;
  instances: number;
  label: string;
}

export const SCENARIOS: readonly Scenario[] = [
  { key: 'sqlite', backend: 'sqlite', instances: 1, label: 'SQLite + local files, one instance' },
  { key: 'pg1', backend: 'postgres', instances: 1, label: 'PostgreSQL + S3, one instance' },
  { key: 'pg2', backend: 'postgres', instances: 2, label: 'PostgreSQL + S3, two instances' },
];

export function scenario(key: ScenarioKey): Scenario {
  return SCENARIOS.find((s) => s.key === key)!;
}

/** A scenario's fresh storage and its running server processes, warmed up. */
export interface ScenarioFixture {
  sc: Scenario;
  /** One measured pass: instance k gets bodies k, k + n, k + 2n… (at most `requests / instances` each). */
  load(bodies: LoadBody[], requests: number): Promise<LoadResult>;
  stop(): Promise<void>;
}

/**
 * Fresh storage, the scenario's server processes and a warm-up. With `cpuProfDir` the servers run
 * under `node --cpu-prof` and write their profiles there when stopped.
 */
export async function startScenario(
  sc: Scenario,
  warm: LoadBody[],
  opts: { connections: number; warmup: number },
  cpuProfDir?: string,
): Promise<ScenarioFixture> {
  const storage = await createScenarioStorage(sc.backend);
  const servers: ServerProcess[] = [];
  const stop = async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await storage.cleanup();
  };
  // Interleaved, so each instance has sessions of its own and no session ever has two appends in
  // flight (a recorder sends a tab's next batch after the previous one's answer).
  const split = (list: LoadBody[], per: number) =>
    servers.map((server, k) => ({ server, bodies: list.filter((_, i) => i % servers.length === k).slice(0, per) }));
  try {
    // One after the other: the first migrates and bootstraps, the others find it done.
    for (let i = 0; i < sc.instances; i++) servers.push(await startServerProcess(storage.env, { cpuProfDir }));
    if (new Set(servers.map((s) => s.projectKey)).size !== 1) throw new Error('the instances do not share one project');
    await loadTargets(split(warm, opts.warmup), { connections: opts.connections, database: storage.database });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    sc,
    load: (bodies, requests) =>
      loadTargets(split(bodies, Math.floor(requests / sc.instances)), { connections: opts.connections, database: storage.database }),
    stop,
  };
}

/** startScenario, one measured pass, stop. */
export async function runScenario(
  sc: Scenario,
  bodies: { warm: LoadBody[]; measured: LoadBody[] },
  opts: { connections: number; warmup: number; requests: number },
  cpuProfDir?: string,
): Promise<LoadResult> {
  const fixture = await startScenario(sc, bodies.warm, opts, cpuProfDir);
  try {
    return await fixture.load(bodies.measured, opts.requests);
  } finally {
    await fixture.stop();
  }
}

/** Per-batch figures of one scenario pass, keyed `<scenario><Figure>` (see ingest.ts). */
export function scenarioRow(sc: Scenario, r: LoadResult, n: number): Record<string, number> {
  const { p50, p99 } = latencyPercentiles(r.latenciesMs);
  const row: Record<string, number> = {
    [`${sc.key}BatchesPerS`]: r.batchesPerS,
    [`${sc.key}MBPerS`]: r.rawBytes / 1e6 / (r.wallMs / 1000),
    [`${sc.key}P50Ms`]: p50,
    [`${sc.key}P99Ms`]: p99,
    [`${sc.key}ServerCpuMs`]: r.cpu.server / n,
    [`${sc.key}MainCpuMs`]: r.cpu.serverMain / n,
    [`${sc.key}MainBusyPct`]: (r.cpu.serverMain / sc.instances / r.wallMs) * 100,
    [`${sc.key}ClientCpuMs`]: r.cpu.client / n,
    [`${sc.key}OtherCpuMs`]: r.cpu.other / n,
    [`${sc.key}BusyPct`]: r.machineBusy * 100,
  };
  if (sc.backend === 'postgres') Object.assign(row, { [`${sc.key}PgCpuMs`]: r.cpu.postgres / n, [`${sc.key}S3CpuMs`]: r.cpu.s3 / n });
  return row;
}

export function describePass(sc: Scenario, r: LoadResult, n: number): string {
  const { p50, p99 } = latencyPercentiles(r.latenciesMs);
  return (
    `${sc.label}: ${r.batchesPerS.toFixed(1)} batches/s, p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, ` +
    `CPU/batch: server ${(r.cpu.server / n).toFixed(1)} ms (main thread ${(r.cpu.serverMain / n).toFixed(1)}), ` +
    `pg ${(r.cpu.postgres / n).toFixed(1)} ms, s3 ${(r.cpu.s3 / n).toFixed(1)} ms, other ${(r.cpu.other / n).toFixed(1)} ms; ` +
    `machine ${(r.machineBusy * 100).toFixed(0)}% busy`
  );
}

export interface ScaleOutRun {
  /** Flat figures of this run, keyed `<scenario><Figure>` (see ingest.ts). */
  row: Record<string, number>;
  /** PostgreSQL wait-event samples of the two-instance pass. */
  pgWaits: Map<string, number>;
  /** CPU ms per batch of processes that are not part of the benchmark (the machine is shared), by scenario. */
  otherCpuMs: Record<string, number>;
}

/**
 * The PostgreSQL + S3 scenarios: each started once (fresh database and key prefix, its instances,
 * a warm-up), then one measured pass of each per run, alternating, with new sessions every run.
 */
export async function runScaleOut(opts: ScaleOutOptions, events: ReplayEvent[][], log: (line: string) => void): Promise<ScaleOutRun[]> {
  const warm = scaleBodies('warm', opts.warmup * 2, opts.warmup * 2, events);
  const fixtures: ScenarioFixture[] = [];
  const runs: ScaleOutRun[] = [];
  try {
    for (const sc of [scenario('pg1'), scenario('pg2')]) fixtures.push(await startScenario(sc, warm, opts));
    for (let run = 0; run < opts.runs; run++) {
      const bodies = scaleBodies(`load${run}`, opts.requests, opts.sessions, events);
      const row: Record<string, number> = {};
      const otherCpuMs: Record<string, number> = {};
      let pgWaits = new Map<string, number>();
      for (const f of fixtures) {
        const r = await f.load(bodies, opts.requests);
        const n = Math.floor(opts.requests / f.sc.instances) * f.sc.instances;
        Object.assign(row, scenarioRow(f.sc, r, n));
        otherCpuMs[f.sc.key] = r.cpu.other / n;
        if (f.sc.key === 'pg2') pgWaits = r.pgWaits;
        log(`  scale-out run ${run + 1}/${opts.runs}, ${describePass(f.sc, r, n)}`);
      }
      row.ratioPg2Pg1 = row.pg2BatchesPerS! / row.pg1BatchesPerS!;
      runs.push({ row, pgWaits, otherCpuMs });
    }
  } finally {
    for (const f of fixtures) await f.stop();
  }
  return runs;
}

/** Reprise functions whose inclusive main-thread time the profile note reports. */
export const PROFILED_FUNCTIONS = ['decodeBatch', 'parseBatch', 'extractIndexRows', 'appendBatch', 'writeBatch', 'commitPending'] as const;
