import type { Digest, SessionTimeline } from '@reprise/protocol';
import { describeMachine, gitRevision } from './lib/machine.js';
import { ingestLongSession, recorderIntervals } from './lib/replay-session.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { startBenchServer } from './lib/server.js';
import { median } from './lib/stats.js';

export interface DigestBenchOptions {
  runs: number;
  /** Lengths of the synthetic sessions, in minutes. */
  durationsMin: number[];
  seed: number;
  budgetTokens: number;
  command: string;
  log?: (line: string) => void;
}

export function digestOptions(args: { runs?: number; smoke: boolean; command: string }): DigestBenchOptions {
  return {
    runs: args.runs ?? (args.smoke ? 1 : 5),
    durationsMin: args.smoke ? [3] : [10, 30, 60],
    seed: 13,
    budgetTokens: 2000,
    command: args.command,
  };
}

/** The target: a 60-minute session under 2,000 tokens with every error chain kept. */
const TARGET_TOKENS = 2000;

function specs(d: number): MetricSpec[] {
  return [
    { key: `tokens${d}`, label: `${d} min: digest size`, unit: 'tokens', role: 'reprise' },
    { key: `storedMB${d}`, label: `${d} min: stored event bytes (compressed chunks, as stored)`, unit: 'MB', role: 'baseline' },
    { key: `ratio${d}`, label: `${d} min: digest bytes / stored event bytes`, unit: 'ratio', role: 'ratio' },
    { key: `jsonMB${d}`, label: `${d} min: the events as JSON (what a model would read raw)`, unit: 'MB', role: 'info' },
    { key: `jsonRatio${d}`, label: `${d} min: digest bytes / events JSON bytes`, unit: 'ratio', role: 'info' },
    { key: `buildMs${d}`, label: `${d} min: GET /digest (read every event, build, render)`, unit: 'ms', role: 'info' },
    { key: `chains${d}`, label: `${d} min: problem chains in the session`, unit: 'count', role: 'info' },
    { key: `chainsKept${d}`, label: `${d} min: problem chains kept in the digest`, unit: 'count', role: 'info' },
    { key: `occurrences${d}`, label: `${d} min: times those problems happened (counted in the kept chains)`, unit: 'count', role: 'info' },
  ];
}

export async function runDigest(opts: DigestBenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const intervals = recorderIntervals();
  const rows: Record<string, number>[] = Array.from({ length: opts.runs }, () => ({}));
  const notes: string[] = [];
  for (const d of opts.durationsMin) {
    // A fresh server per session: each measurement starts from the same state.
    const server = await startBenchServer({ needRecorder: false });
    try {
      const durationMs = d * 60_000;
      const s = await ingestLongSession(server, `bench_digest_${d}m_${opts.seed}`, {
        seed: opts.seed,
        startTime: Date.now() - durationMs - 60_000,
        durationMs,
        checkoutEveryMs: intervals.checkoutEveryMs,
        batchEveryMs: intervals.batchEveryMs,
        pageEveryMs: 10 * 60_000,
        nodes: 1500,
      });
      const timeline = await server.api<SessionTimeline>(`/api/v1/sessions/${s.sessionId}/timeline`);
      const storedBytes = timeline.batches.reduce((n, b) => n + b.bytes, 0);
      // Every chain the session has: the digest with the largest budget drops none.
      const all = await server.api<Digest>(`/api/v1/sessions/${s.sessionId}/digest?budget=50000`);
      for (let run = 0; run < opts.runs; run++) {
        const t0 = performance.now();
        const digest = await server.api<Digest>(`/api/v1/sessions/${s.sessionId}/digest?budget=${opts.budgetTokens}`);
        const ms = performance.now() - t0;
        const keptAll = all.problems.every((p) => digest.problems.some((q) => q.chain === p.chain));
        Object.assign(rows[run]!, {
          [`tokens${d}`]: digest.tokens,
          [`storedMB${d}`]: storedBytes / 1e6,
          [`ratio${d}`]: Buffer.byteLength(digest.text) / storedBytes,
          [`jsonMB${d}`]: s.stats.jsonBytes / 1e6,
          [`jsonRatio${d}`]: Buffer.byteLength(digest.text) / s.stats.jsonBytes,
          [`buildMs${d}`]: ms,
          [`chains${d}`]: all.problems.length,
          [`chainsKept${d}`]: digest.problems.filter((p) => all.problems.some((q) => q.chain === p.chain)).length,
          [`occurrences${d}`]: digest.problems.reduce((n, p) => n + p.count, 0),
        });
        log(
          `digest ${d} min run ${run + 1}/${opts.runs}: ${digest.tokens} tokens from ${(storedBytes / 1e6).toFixed(2)} MB stored (${(s.stats.jsonBytes / 1e6).toFixed(1)} MB JSON), ${ms.toFixed(0)} ms, ${digest.problems.length}/${all.problems.length} chains${keptAll ? '' : ' (some dropped)'}`,
        );
        if (run === 0) notes.push(`${d} min: left out at ${opts.budgetTokens} tokens: ${digest.dropped.join('; ') || 'nothing'}.`);
      }
    } finally {
      await server.close();
    }
  }
  const longest = Math.max(...opts.durationsMin);
  const tokens = median(rows.map((r) => r[`tokens${longest}`]!));
  const kept = rows.every((r) => r[`chainsKept${longest}`] === r[`chains${longest}`]);
  notes.unshift(
    `Target: a ${longest}-minute session within ${TARGET_TOKENS} tokens (the default budget) with every error chain kept: ${tokens <= TARGET_TOKENS && kept ? 'met' : 'missed'} ` +
      `(median ${tokens} tokens; chains kept in ${kept ? 'every' : 'not every'} run).`,
  );
  return {
    name: 'digest',
    title: 'Session digest size against the stored events',
    measured:
      `Synthetic sessions of ${opts.durationsMin.join(', ')} minutes (seed ${opts.seed}; test-support/long-session.ts, the replay benchmark's ` +
      'generator): a shop-like page of ~1500 nodes, mouse moves, clicks, scrolls, masked typing, list changes, in-app navigations about once a ' +
      'minute, a page load about every 10 minutes, a request on about one second in eight (5% answered 500, half of those followed by an ' +
      'uncaught TypeError), a console line a minute; POSTed gzip to the real ingest endpoint of an in-process server (SQLite + local chunk files). ' +
      `Then GET /api/v1/sessions/:id/digest?budget=${opts.budgetTokens} over loopback HTTP, ${opts.runs} times per session. Digest size = its ` +
      "estimated tokens (characters / 4); stored event bytes = the session's event chunks as stored (compressed; the replay index's batch sizes); " +
      'events JSON = the same events as uncompressed JSON, what a model would be fed raw. ' +
      'Problem chains = those of the same digest with a 50,000-token budget (which drops none); kept = the same chains in the budgeted digest. ' +
      'A chain is one bug: the same failing request and error met again with other ids is one chain with a count (docs/digest.md).',
    baseline:
      'The stored events themselves (ratio = digest bytes / stored bytes), and their uncompressed JSON, what feeding the raw session to a model would cost.',
    machine: describeMachine(null),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: { durations: opts.durationsMin.join('/'), budgetTokens: opts.budgetTokens, seed: opts.seed, revision: gitRevision() },
    metrics: collectMetrics(opts.durationsMin.flatMap(specs), rows),
    headline: [`tokens${longest}`, `storedMB${longest}`, `ratio${longest}`, `chainsKept${longest}`],
    notes,
  };
}
