import { readFileSync } from 'node:fs';
import { describeMachine } from './lib/machine.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { createScenarioStorage, startServerProcess, type Backend } from './lib/scale-out.js';
import { runSoakLoad, type LoadStats } from './lib/soak-recorders.js';
import { readBack, type ReadBackResult } from './lib/soak-readback.js';
import { median, percentile } from './lib/stats.js';

/**
 * `npm run bench -- soak [--minutes N]`: 1,000 simulated recorders against one `reprise serve`
 * for 10 minutes, on SQLite + local files and on PostgreSQL + S3, with malformed requests mixed
 * in; RSS over time, ack latency, answers by status, and every acknowledged batch read back.
 */
export interface SoakOptions {
  recorders: number;
  minutes: number;
  intervalMs: number;
  malformedEvery: number;
  maxQueue: number;
  rssEveryMs: number;
  backends: Backend[];
  command: string;
  log?: (line: string) => void;
}

export function soakOptions(args: { minutes?: number; smoke: boolean; command: string; backends?: Backend[] }): SoakOptions {
  return args.smoke
    ? {
        recorders: 50,
        minutes: args.minutes ?? 1 / 6,
        intervalMs: 2000,
        malformedEvery: 20,
        maxQueue: 60,
        rssEveryMs: 1000,
        backends: args.backends ?? ['sqlite'],
        command: args.command,
      }
    : {
        recorders: 1000,
        minutes: args.minutes ?? 10,
        intervalMs: 5000,
        malformedEvery: 200,
        maxQueue: 60,
        rssEveryMs: 10_000,
        backends: args.backends ?? ['sqlite', 'postgres'],
        command: args.command,
      };
}

const ADMIN_EMAIL = 'soak@bench.local';
const ADMIN_PASSWORD = 'bench admin password';
const LABEL: Record<Backend, string> = { sqlite: 'SQLite + local files', postgres: 'PostgreSQL + S3' };

function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

interface BackendRun {
  backend: Backend;
  load: LoadStats;
  rss: Array<[number, number]>;
  readback: ReadBackResult;
  durationMs: number;
}

async function runBackend(o: SoakOptions, backend: Backend, log: (line: string) => void): Promise<BackendRun> {
  const storage = await createScenarioStorage(backend);
  try {
    // No background jobs for minutes of load (chunk maintenance off: on SQLite, one file per batch).
    const server = await startServerProcess({
      ...storage.env,
      REPRISE_ADMIN_EMAIL: ADMIN_EMAIL,
      REPRISE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      REPRISE_COMPACT_AFTER_MINUTES: '0',
    });
    try {
      const durationMs = Math.round(o.minutes * 60_000);
      const started = Date.now();
      const rss: Array<[number, number]> = [];
      const sample = () => {
        const v = rssMiB(server.pid);
        if (v !== null) rss.push([Date.now() - started, v]);
      };
      sample();
      const sampler = setInterval(sample, o.rssEveryMs);
      log(`${backend}: ${o.recorders} recorders for ${o.minutes} min`);
      let load: LoadStats;
      try {
        load = await runSoakLoad(
          {
            base: server.base,
            projectKey: server.projectKey,
            recorders: o.recorders,
            intervalMs: o.intervalMs,
            durationMs,
            malformedEvery: o.malformedEvery,
            maxQueue: o.maxQueue,
            seed: 12,
          },
          log,
        );
      } finally {
        clearInterval(sampler);
      }
      sample();
      log(`${backend}: ${load.acks.length} batches acknowledged; reading them back`);
      const readback = await readBack(server.base, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, load.sessions);
      return { backend, load, rss, readback, durationMs };
    } finally {
      await server.stop();
    }
  } finally {
    await storage.cleanup();
  }
}

/** Median of the values sampled in [from, to) of the load's duration (fractions). */
function window(samples: Array<[number, number]>, durationMs: number, from: number, to: number): number {
  const xs = samples.filter(([t]) => t >= from * durationMs && t < to * durationMs).map(([, v]) => v);
  return xs.length ? median(xs) : NaN;
}

function p99In(acks: Array<[number, number]>, durationMs: number, from: number, to: number): number {
  const xs = acks.filter(([t]) => t >= from * durationMs && t < to * durationMs).map(([, v]) => v);
  return xs.length ? percentile(xs, 99) : NaN;
}

function total(m: Map<string, number>, pick: (status: string) => boolean): number {
  let n = 0;
  for (const [k, v] of m) if (pick(k)) n += v;
  return n;
}

const is5xx = (s: string) => /^5\d\d$/.test(s);
const is4xx = (s: string) => /^4\d\d$/.test(s);

function row(r: BackendRun): Record<string, number> {
  const b = r.backend === 'sqlite' ? 'sqlite' : 'pg';
  const lat = r.load.acks.map(([, v]) => v);
  const malformedAll = new Map<string, number>();
  for (const byKind of r.load.malformed.values()) for (const [k, v] of byKind) malformedAll.set(k, (malformedAll.get(k) ?? 0) + v);
  const rssMid = window(r.rss, r.durationMs, 0.4, 0.6);
  const rssEnd = window(r.rss, r.durationMs, 0.8, 1.0001);
  return {
    [`${b}Acked`]: r.load.acks.length,
    [`${b}AckedPerS`]: r.load.acks.length / (r.durationMs / 1000),
    [`${b}OfferedPerS`]: r.load.batchesSent / (r.durationMs / 1000),
    [`${b}AckP50Ms`]: lat.length ? percentile(lat, 50) : NaN,
    [`${b}AckP99Ms`]: lat.length ? percentile(lat, 99) : NaN,
    [`${b}AckP99LateOverEarly`]: p99In(r.load.acks, r.durationMs, 0.7, 0.9) / p99In(r.load.acks, r.durationMs, 0.1, 0.3),
    [`${b}RssMidMiB`]: rssMid,
    [`${b}RssEndMiB`]: rssEnd,
    [`${b}RssMaxMiB`]: Math.max(...r.rss.map(([, v]) => v)),
    [`${b}RssEndOverMid`]: rssEnd / rssMid,
    [`${b}Failed5xx`]: total(r.load.failures, is5xx),
    [`${b}FailedOther`]: total(r.load.failures, (s) => !is5xx(s)),
    [`${b}DroppedByQueue`]: r.load.droppedByQueue,
    [`${b}Malformed4xx`]: total(malformedAll, is4xx),
    [`${b}MalformedNot4xx`]: total(malformedAll, (s) => !is4xx(s)),
    [`${b}ReadbackMissing`]: r.readback.missingBatches,
    [`${b}ReadbackBadSessions`]: r.readback.badSessions,
  };
}

function specs(backend: Backend): MetricSpec[] {
  const b = backend === 'sqlite' ? 'sqlite' : 'pg';
  const l = LABEL[backend];
  return [
    { key: `${b}Acked`, label: `${l}: batches acknowledged`, unit: 'count', role: 'reprise' },
    { key: `${b}OfferedPerS`, label: `${l}: batches sent per second (offered load)`, unit: 'batches/s', role: 'info' },
    { key: `${b}AckedPerS`, label: `${l}: batches acknowledged per second`, unit: 'batches/s', role: 'reprise' },
    { key: `${b}AckP50Ms`, label: `${l}: ack latency p50`, unit: 'ms', role: 'reprise' },
    { key: `${b}AckP99Ms`, label: `${l}: ack latency p99`, unit: 'ms', role: 'reprise' },
    { key: `${b}AckP99LateOverEarly`, label: `${l}: ack p99 at 70–90% of the run / at 10–30%`, unit: 'ratio', role: 'ratio' },
    { key: `${b}RssMidMiB`, label: `${l}: server RSS, median over 40–60% of the run`, unit: 'MiB', role: 'baseline' },
    { key: `${b}RssEndMiB`, label: `${l}: server RSS, median over the last 20%`, unit: 'MiB', role: 'reprise' },
    { key: `${b}RssEndOverMid`, label: `${l}: RSS last 20% / RSS mid-run (plateau ≈ 1)`, unit: 'ratio', role: 'ratio' },
    { key: `${b}RssMaxMiB`, label: `${l}: server RSS, max`, unit: 'MiB', role: 'info' },
    { key: `${b}Failed5xx`, label: `${l}: recorder batches answered 5xx`, unit: 'count', role: 'reprise' },
    {
      key: `${b}FailedOther`,
      label: `${l}: recorder batches not acknowledged otherwise (4xx, timeout, no answer)`,
      unit: 'count',
      role: 'reprise',
    },
    {
      key: `${b}DroppedByQueue`,
      label: `${l}: batches the simulated recorders dropped from a full queue (never sent)`,
      unit: 'count',
      role: 'info',
    },
    { key: `${b}Malformed4xx`, label: `${l}: malformed requests answered 4xx`, unit: 'count', role: 'reprise' },
    { key: `${b}MalformedNot4xx`, label: `${l}: malformed requests answered otherwise (target 0)`, unit: 'count', role: 'reprise' },
    { key: `${b}ReadbackMissing`, label: `${l}: acknowledged batches missing at read-back (target 0)`, unit: 'count', role: 'reprise' },
    {
      key: `${b}ReadbackBadSessions`,
      label: `${l}: sessions whose events read back differ from those acknowledged (target 0)`,
      unit: 'count',
      role: 'reprise',
    },
  ];
}

function notes(r: BackendRun): string[] {
  const l = LABEL[r.backend];
  const perMinute: string[] = [];
  const step = Math.max(r.durationMs / 10, 1000);
  for (let t = 0; t <= r.durationMs + step / 2; t += step) {
    const near = r.rss.reduce<[number, number] | null>(
      (best, s) => (best === null || Math.abs(s[0] - t) < Math.abs(best[0] - t) ? s : best),
      null,
    );
    if (near) perMinute.push(`${(near[0] / 60_000).toFixed(1)} min ${near[1].toFixed(0)}`);
  }
  const statuses = (m: Map<string, number>) => [...m].map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
  const malformed = [...r.load.malformed].map(([kind, m]) => `${kind}: ${statuses(m)}`).join('; ');
  return [
    `${l}: server RSS over time (MiB): ${perMinute.join(', ')}.`,
    `${l}: recorder batches not acknowledged, by status: ${statuses(r.load.failures)}. Malformed requests by kind and status: ${malformed || 'none sent'}.`,
    `${l}: read back ${r.readback.sessions} sessions, ${r.readback.events} events (${r.readback.bytes} bytes of NDJSON) in ${(r.readback.ms / 1000).toFixed(0)} s; ` +
      `${r.readback.missingBatches} acknowledged batches missing, ${r.readback.badSessions} sessions differing.`,
    `${l}: ${(r.load.rawBytes / 2 ** 20).toFixed(0)} MiB of batch JSON sent as ${(r.load.wireBytes / 2 ** 20).toFixed(0)} MiB deflated.`,
  ];
}

export async function runSoak(o: SoakOptions): Promise<BenchResult> {
  const log = o.log ?? (() => undefined);
  const runs: BackendRun[] = [];
  for (const b of o.backends) runs.push(await runBackend(o, b, log));
  const merged = Object.assign({}, ...runs.map(row)) as Record<string, number>;
  // One backend alone (`--backend`) is a result of its own, so each can be re-run separately.
  const single = o.backends.length === 1 ? o.backends[0]! : null;
  return {
    name: single ? `soak-${single}` : 'soak',
    title: `Soak: many recorders for minutes${single ? ` (${LABEL[single]})` : ''}`,
    measured:
      `One \`reprise serve\` process (the built CLI, logging at warn, no background jobs) per backend, fresh storage, under ` +
      `${o.recorders} simulated recorders for ${o.minutes} min each: every recorder is a tab that records sessions of 2 to 6 ` +
      `minutes one after the other, cutting a batch every ${o.intervalMs / 1000} s (synthetic rrweb: a meta + full snapshot of ~400 ` +
      `nodes once a minute, 5 to 40 mouse moves, clicks, scrolls, inputs and mutations per batch, plus a console message, a network request ` +
      `and a marker event), deflated against the static preset dictionary as the recorder does, with its session key; one ` +
      `request at a time per recorder, in seq order, with a queue of ${o.maxQueue} batches (oldest dropped beyond it, as the ` +
      `recorder's bound). After every ${o.malformedEvery} batches a malformed request goes too (bad JSON, an unknown project key, ` +
      `an invalid batch, corrupt deflate, an unsupported encoding, a stranger appending to a live session with the wrong key). ` +
      `RSS of the server process from /proc every ${o.rssEveryMs / 1000} s; ack latency per batch from request to answer. At ` +
      `the end every session is read back through \`GET /api/v1/sessions/:id/events\` and compared with what was acknowledged: ` +
      `the batches present (by marker), the number of events and an order-free digest of the event lines.`,
    baseline:
      'The same run earlier: RSS at the end is compared with RSS mid-run (a plateau gives ≈ 1; growth without bound gives more), ' +
      'and the ack p99 late in the run with the ack p99 early in it.',
    machine: describeMachine(null),
    date: new Date().toISOString(),
    command: o.command,
    runs: 1,
    options: {
      recorders: o.recorders,
      minutes: o.minutes,
      intervalMs: o.intervalMs,
      malformedEvery: o.malformedEvery,
      backends: o.backends.join('+'),
    },
    metrics: collectMetrics(o.backends.flatMap(specs), [merged]),
    headline: o.backends.flatMap((b) =>
      b === 'sqlite'
        ? ['sqliteAckP99Ms', 'sqliteRssEndOverMid', 'sqliteReadbackMissing']
        : ['pgAckP99Ms', 'pgRssEndOverMid', 'pgReadbackMissing'],
    ),
    notes: [
      'The machine is shared with other work (see the load average): latencies and throughput are lower bounds of what it can do alone.',
      ...runs.flatMap(notes),
    ],
  };
}
