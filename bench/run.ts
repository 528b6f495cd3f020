import { mkdtempSync } from 'node:fs';
import { bundleOptions, runBundle } from './bundle.js';
import { canvasOptions, runCanvas } from './canvas.js';
import { digestOptions, runDigest } from './digest.js';
import { htmlExportOptions, runHtmlExport } from './html-export.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ingestOptions, runIngest } from './ingest.js';
import { otlpOptions, runOtlp } from './otlp.js';
import { parseArgs, type BenchArgs } from './lib/args.js';
import { RESULTS_DIR, writeResult, type BenchResult } from './lib/results.js';
import { payloadOptions, runPayload } from './payload.js';
import { peersOptions, runPeers } from './peers.js';
import { recorderOptions, runRecorder } from './recorder.js';
import { renderBenchmarks } from './render.js';
import { replayOptions, runReplay } from './replay.js';
import { runS3cost, s3costOptions } from './s3cost.js';
import { runSearch, searchOptions } from './search.js';
import { runSoak, soakOptions } from './soak.js';

type Runner = (args: BenchArgs, command: string, log: (line: string) => void) => Promise<BenchResult>;

/** Every benchmark, in the order `npm run bench` runs them. */
export const BENCHMARKS: Record<string, Runner> = {
  ingest: (a, command, log) => runIngest({ ...ingestOptions({ runs: a.runs, smoke: a.smoke, command }), log }),
  payload: (a, command, log) => runPayload({ ...payloadOptions({ runs: a.runs, durationS: a.durationS, smoke: a.smoke, command }), log }),
  search: (a, command, log) => runSearch({ ...searchOptions({ runs: a.runs, smoke: a.smoke, command }), log }),
  recorder: (a, command, log) => runRecorder({ ...recorderOptions({ runs: a.runs, smoke: a.smoke, command }), log }),
  replay: (a, command, log) => runReplay({ ...replayOptions({ runs: a.runs, smoke: a.smoke, command }), log }),
  soak: (a, command, log) => runSoak({ ...soakOptions({ minutes: a.minutes, smoke: a.smoke, command, backends: a.backends }), log }),
  canvas: (a, command, log) => runCanvas({ ...canvasOptions({ runs: a.runs, durationS: a.durationS, smoke: a.smoke, command }), log }),
  digest: (a, command, log) => runDigest({ ...digestOptions({ runs: a.runs, smoke: a.smoke, command }), log }),
  'html-export': (a, command, log) => runHtmlExport({ ...htmlExportOptions({ runs: a.runs, smoke: a.smoke, command }), log }),
  otlp: (a, command, log) => runOtlp({ ...otlpOptions({ runs: a.runs, smoke: a.smoke, command }), log }),
  bundle: (a, command, log) => runBundle({ ...bundleOptions({ smoke: a.smoke, command }), log }),
  peers: (a, command, log) => runPeers({ ...peersOptions({ runs: a.runs, smoke: a.smoke, command }), log }),
  s3cost: (a, command, log) => runS3cost({ ...s3costOptions({ runs: a.runs, durationS: a.durationS, smoke: a.smoke, command }), log }),
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const names = args.name === undefined ? Object.keys(BENCHMARKS) : [args.name];
  for (const n of names) if (!BENCHMARKS[n]) throw new Error(`unknown benchmark "${n}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  // Smoke runs check that the benchmarks work; they never replace real results.
  const outDir = args.smoke ? mkdtempSync(path.join(tmpdir(), 'reprise-bench-smoke-')) : RESULTS_DIR;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = Date.now();
  for (const n of names) {
    log(`== ${n}`);
    const t0 = Date.now();
    const result = await BENCHMARKS[n]!(args, command, log);
    log(`wrote ${writeResult(outDir, result)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  log(`all done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (args.smoke) log(`smoke run: results left in ${outDir}; BENCHMARKS.md not touched`);
  else log(`wrote ${renderBenchmarks()}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
