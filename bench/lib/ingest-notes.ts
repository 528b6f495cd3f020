/**
 * The ingest benchmark's prose (bench/ingest.ts): what was measured, the floor it is compared
 * with, and what limits each pass, in words, from the measured figures.
 */
import type { IngestOptions } from '../ingest.js';
import type { ProfileSummary } from './cpu-profile.js';
import { describeMachine } from './machine.js';
import { scenario, type ScaleOutRun } from './scale-out.js';
import { median } from './stats.js';

export function measuredText(opts: IngestOptions): string {
  return (
    `\`reprise serve\` (the built CLI, one process, logging at warn, no retention job, chunk maintenance at its default so SQLite packs ingest as a user's server does) on SQLite + local files, fresh ` +
    `storage per run, under autocannon: ${opts.batches} gzip batches per run over ${opts.connections} connections, after ` +
    `${opts.warmup} warm-up batches. The batches are synthetic rrweb (seeded; a meta + full snapshot of ~2000 nodes every 20 ` +
    `batches, otherwise 5 s of mouse moves, clicks, scrolls, inputs and DOM mutations) as a recorder sends them, each a ` +
    `distinct session/seq over ${opts.sessions} sessions; every answer must be a 200 ack that is not a duplicate, and an ack ` +
    `means the batch is durable (its pack file and row fsynced). Throughput = acknowledged batches (or their decompressed MB) / ` +
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

export const BASELINE =
  'The physical floor for the same bytes, measured in the same run right after Reprise: the same gzip bodies, one after ' +
  'another in the benchmark process with no HTTP, each gunzipSync + JSON.parse + appended to one file, with an fsync after ' +
  'each batch (and again without fsync). Throughput = batches (or decompressed MB) / the summed time. The target ratio ' +
  '(Reprise ≥ 70% of the floor, issue 20) is against the floor with fsync: Reprise acknowledges only durable batches, so that is the ' +
  'like-for-like floor; the ratio against the floor without fsync is reported too. For the scale-out figures one instance ' +
  'is the baseline of two.';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** What Reprise does beyond the floor, and where the SQLite pass spends its time. */
export function ingestNotes(rows: Record<string, number>[], profile: { main: ProfileSummary; workers: ProfileSummary } | null): string[] {
  const m = (key: string) => median(rows.map((r) => r[key]!));
  const notes = [
    'Per batch Reprise does what the floor does (gunzip, JSON.parse) plus HTTP (Fastify), the project key lookup, ' +
      'validation (zod), index extraction, its share of a pack file (the uploads stored as received, the batches queued ' +
      'behind one pack write sharing the next: create, write, fdatasync, directory fsync per pack) and the SQLite rows. ' +
      'Inflating, parsing, validating and extracting run on decode threads, one per core beyond ' +
      `the first (here: ${Math.max(0, Math.min(4, describeMachine(null).cores - 1))}); the pack file's fdatasync and its ` +
      "directory's fsync run side by side on the threadpool; appends whose packs are durable in the same event-loop " +
      'turn share one SQLite transaction, committed without an fsync in the commit call (synchronous=NORMAL), and the WAL is ' +
      'then fdatasynced on the threadpool before they are acknowledged (groups committing meanwhile share the next fsync). ' +
      'The floor does one append + fsync per batch on one thread.',
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
        `native call, or is runnable but not running right after one that woke another thread). Main thread: ${top(profile.main, 9)}; inclusive: ` +
        `${profile.main.inclusive
          .filter((x) => x.share > 0)
          .map((x) => `${x.fn} ${pct(x.share)}`)
          .join(', ')} (commitPending = ` +
        'the shared SQLite transactions, whose WAL fsync runs on the threadpool; writePack = the pack files). ' +
        (profile.workers.samples > 0
          ? `Decode thread (${Math.round((profile.workers.samples / profile.main.samples) * 100)}% as many busy samples as the ` +
            `main thread): ${top(profile.workers, 5)} (JSON.parse counts as ingest/decode.js).`
          : 'No decode thread ran (one core).'),
    );
  }
  notes.push(targetNote(m('ratioFloorFsync'), profile));
  return notes;
}

/** Whether the median met the issue's target, and if not what the profile says takes the time. */
function targetNote(ratio: number, profile: { main: ProfileSummary; workers: ProfileSummary } | null): string {
  const head = `Target (issue 20): Reprise ≥ 0.7 × the floor with fsync; median ${ratio.toFixed(3)}: `;
  if (ratio >= 0.7) return `${head}met.`;
  const where =
    profile && profile.main.samples > 0
      ? `the main thread's largest areas in the profile are ${profile.main.self
          .slice(0, 3)
          .map((x) => `${x.area} (${pct(x.share)})`)
          .join(', ')}`
      : 'no profile was taken';
  return `${head}missed. Bottleneck: the bottleneck note above (from /proc), and ${where}.`;
}

/** What limits the SQLite pass, in words, from the medians (CPU per batch from /proc). */
function bottleneck(m: (key: string) => number): string {
  const cores = describeMachine(null).cores;
  const own = m('sqliteServerCpuMs') + m('sqliteClientCpuMs');
  const total = own + m('sqliteOtherCpuMs');
  const busy = m('sqliteBusyPct');
  const rest =
    `the server's main thread (HTTP, SQLite, the file calls) ${ms(m('sqliteMainCpuMs'))}, its decode thread, ` +
    'threadpool and kernel work (inflating, JSON.parse, validation; creating, writing and fsyncing each pack file and its ' +
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
    `The cores were ${Math.round(busy)}% busy: not CPU-bound. Requests waited on fsyncs (each pack file and its ` +
    `directory, one WAL fsync per group commit) with ${rest}.`
  );
}

/** The PostgreSQL + S3 bottleneck, in words, from the measured figures (CPU per batch, wait events). */
export function scaleNotes(runs: ScaleOutRun[]): string[] {
  if (runs.length === 0) return [];
  const m = (key: string) => median(runs.map((r) => r.row[key]!));
  const other = (sc: string) => median(runs.map((r) => r.otherCpuMs[sc] ?? 0));
  const notes: string[] = [];
  const cores = describeMachine(null).cores;
  for (const sc of [scenario('pg1'), scenario('pg2')]) {
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
