import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { ReplayEvent } from '@reprise/protocol';
import { S3ChunkStore } from '../../packages/server/src/store/chunks/s3.js';
import { latencyPercentiles, loadTargets, PG_ADMIN_URL, scaleBodies, type LoadBody, type LoadResult } from './load-targets.js';
import { BENCH_DIR } from './results.js';

/**
 * The scale-out part of the ingest benchmark: real `reprise serve` processes (the built CLI)
 * under autocannon, on SQLite + local files, and on PostgreSQL + S3 (the local PostgreSQL and
 * the Swift of scripts/s3) with one and with two instances sharing the database and bucket.
 */

const ROOT = path.resolve(BENCH_DIR, '..');
const CLI = path.join(ROOT, 'packages/server/dist/cli.js');
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
export async function startServerProcess(
  env: Record<string, string>,
  opts: { cpuProfDir?: string; cli?: string } = {},
): Promise<ServerProcess> {
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
      // No retention job during a measurement. Chunk maintenance stays at its default (30 min):
      // on SQLite it is what lets ingest pack batches (store/open.ts), as a user's server does; its
      // first run is a minute after start and it compacts only sessions idle for 30 minutes.
      REPRISE_RETENTION_INTERVAL_MINUTES: '0',
      REPRISE_COMPACT_AFTER_MINUTES: '30',
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
  for (const m of stdout.matchAll(/^export (REPRISE_S3_[A-Z_]+)=(.*)$/gm))
    env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1').replace(/\\(.)/g, '$1');
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
    endpoint: s3.REPRISE_S3_ENDPOINT,
    region: s3.REPRISE_S3_REGION ?? 'us-east-1',
    bucket: BUCKET,
    prefix,
    forcePathStyle: true,
    accessKeyId: s3.REPRISE_S3_ACCESS_KEY_ID,
    secretAccessKey: s3.REPRISE_S3_SECRET_ACCESS_KEY,
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
export const PROFILED_FUNCTIONS = ['decodeBatch', 'parseBatch', 'extractIndexRows', 'appendBatch', 'writePack', 'commitPending'] as const;
