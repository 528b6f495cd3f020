/**
 * The recorder's bundle: what a page loads before recording starts (always-on defaults: the
 * script tag's reprise.js), what comes later (the lazy chunks), the on-demand loader, and
 * where the bytes go. Baseline, built in the same run the same way (esbuild, minified IIFE,
 * es2020): rrweb's record build, @rrweb/record alone. Sizes are deterministic: one run.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { gzipSize, partSizes, reprisePart, type PartSize } from './lib/bundle-parts.js';

export interface BundleBenchOptions {
  /** The recorder package (its dist/ must be built). */
  recorderDir: string;
  command: string;
  log?: (line: string) => void;
}

export function bundleOptions(args: { smoke: boolean; command: string }): BundleBenchOptions {
  return { recorderDir: path.resolve(BENCH_DIR, '..', 'packages/recorder'), command: args.command };
}

/** The targets (packages/recorder/test/bundle-size.test.ts holds the budgets this build reaches). */
export const FIRST_LOAD_TARGET_KB = 45;
export const LOADER_TARGET_KB = 1;

interface Esbuildmeta {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** A lazy chunk's file name (it carries a content hash). */
export function chunkFile(browserDir: string, name: string): string {
  const f = readdirSync(browserDir).find((n) => new RegExp(`^reprise-${name}\\.[\\w-]+\\.js$`).test(n));
  if (!f) throw new Error(`no reprise-${name}.<hash>.js in ${browserDir}: run npm run build -w @reprise/recorder`);
  return f;
}

/** rrweb's record build, bundled like reprise.js: gzip size of the minified IIFE. */
async function rrwebRecordGzip(recorderDir: string): Promise<{ raw: number; gzip: number }> {
  const r = await build({
    stdin: { contents: "export { record } from '@rrweb/record';", resolveDir: recorderDir, loader: 'js' },
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    legalComments: 'none',
    format: 'iife',
    globalName: 'rrwebRecord',
    minify: true,
    write: false,
    logLevel: 'warning',
  });
  const js = r.outputFiles[0]!.contents;
  return { raw: js.byteLength, gzip: gzipSize(js) };
}

/** Raw bytes per part from esbuild's metafile (what the bundler put in). */
function metafileParts(file: string, outputName: string): Map<string, number> {
  const meta = JSON.parse(readFileSync(file, 'utf8')) as Esbuildmeta;
  const out = Object.entries(meta.outputs).find(([k]) => k.endsWith(`/${outputName}`))?.[1];
  if (!out) throw new Error(`${file} has no output ${outputName}`);
  const parts = new Map<string, number>();
  for (const [src, i] of Object.entries(out.inputs)) {
    const p = reprisePart(src);
    parts.set(p, (parts.get(p) ?? 0) + i.bytesInOutput);
  }
  return parts;
}

function filePartSizes(browserDir: string, name: string): PartSize[] {
  const code = readFileSync(path.join(browserDir, name), 'utf8');
  const map = JSON.parse(readFileSync(path.join(browserDir, `${name}.map`), 'utf8')) as { sources: string[]; mappings: string };
  return partSizes(code, map, reprisePart);
}

const kb = (n: number) => n / 1000;

/** The lazy chunks (packages/recorder/build.mjs), as the report names them. */
const CHUNKS = [
  { name: 'codec', label: 'codec chunk (fflate, dictionary r1, the Worker and its driver)' },
  {
    name: 'capture',
    label:
      'capture chunk (env, web vitals, click/key target descriptions, which key presses are recorded, console argument serialization; once recording has started)',
  },
  {
    name: 'network',
    label:
      'network chunk (request and response bodies, redaction and events of the requests the first load hooks; once network capture starts)',
  },
  { name: 'buffer', label: 'buffer chunk (buffer mode; only in that mode)' },
  { name: 'ui', label: 'UI chunk (support-link badge, feedback widget; only when shown)' },
  { name: 'canvas', label: "canvas chunk (rrweb's canvas recording; only with canvas recording on)" },
];

export async function runBundle(opts: BundleBenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const browserDir = path.join(opts.recorderDir, 'dist/browser');
  const metaDir = path.join(opts.recorderDir, 'dist/meta');
  if (!existsSync(path.join(metaDir, 'reprise.json'))) throw new Error('run npm run build -w @reprise/recorder first');
  const read = (n: string) => readFileSync(path.join(browserDir, n));
  const sdk = read('reprise.js');
  const loader = read('loader.js');
  const chunkFiles = Object.fromEntries(CHUNKS.map((c) => [c.name, chunkFile(browserDir, c.name)]));
  const chunkGzip = Object.fromEntries(CHUNKS.map((c) => [c.name, gzipSize(read(chunkFiles[c.name]!))]));
  const chunksGzip = Object.values(chunkGzip).reduce((a, b) => a + b, 0);
  const baseline = await rrwebRecordGzip(opts.recorderDir);
  const published = path.join(opts.recorderDir, 'node_modules/@rrweb/record/dist/record.umd.min.cjs');
  const publishedFile = existsSync(published)
    ? published
    : path.resolve(BENCH_DIR, '..', 'node_modules/@rrweb/record/dist/record.umd.min.cjs');
  const row = {
    firstLoadKB: kb(gzipSize(sdk)),
    firstLoadRawKB: kb(sdk.byteLength),
    rrwebKB: kb(baseline.gzip),
    rrwebRawKB: kb(baseline.raw),
    ratioFirstLoad: gzipSize(sdk) / baseline.gzip,
    loaderKB: kb(gzipSize(loader)),
    ratioLoader: gzipSize(loader) / baseline.gzip,
    ...Object.fromEntries(CHUNKS.map((c) => [`${c.name}KB`, kb(chunkGzip[c.name]!)])),
    totalKB: kb(gzipSize(sdk) + chunksGzip),
    ratioTotal: (gzipSize(sdk) + chunksGzip) / baseline.gzip,
    rrwebPublishedKB: kb(gzipSize(readFileSync(publishedFile))),
  };
  log(
    `first load ${row.firstLoadKB.toFixed(1)} KB gzip, rrweb record build ${row.rrwebKB.toFixed(1)} KB: ${row.ratioFirstLoad.toFixed(2)}×`,
  );

  const specs: MetricSpec[] = [
    {
      key: 'firstLoadKB',
      label: 'First load: reprise.js, gzip -9 (all a page loads before recording starts)',
      unit: 'KB',
      role: 'reprise',
    },
    { key: 'rrwebKB', label: "rrweb's record build (@rrweb/record bundled the same way), gzip -9", unit: 'KB', role: 'baseline' },
    { key: 'ratioFirstLoad', label: 'First load / rrweb record build', unit: 'ratio', role: 'ratio' },
    { key: 'loaderKB', label: 'On-demand loader.js, gzip -9', unit: 'KB', role: 'reprise' },
    { key: 'ratioLoader', label: 'loader.js / rrweb record build', unit: 'ratio', role: 'ratio' },
    ...CHUNKS.map((c): MetricSpec => ({ key: `${c.name}KB`, label: `Lazy ${c.label}, gzip -9`, unit: 'KB', role: 'info' })),
    { key: 'totalKB', label: 'First load + every lazy chunk, gzip -9 (each file on its own)', unit: 'KB', role: 'info' },
    { key: 'ratioTotal', label: 'First load + every lazy chunk / rrweb record build', unit: 'ratio', role: 'info' },
    { key: 'firstLoadRawKB', label: 'First load, minified, uncompressed', unit: 'KB', role: 'info' },
    { key: 'rrwebRawKB', label: 'rrweb record build, minified, uncompressed', unit: 'KB', role: 'info' },
    { key: 'rrwebPublishedKB', label: "rrweb's published record.umd.min.cjs, gzip -9", unit: 'KB', role: 'info' },
  ];

  const rawSdk = metafileParts(path.join(metaDir, 'reprise.json'), 'reprise.js');
  const tableRows = (file: string, parts: PartSize[], raw: Map<string, number>, gzipTotal: number) =>
    parts.map((p) => [
      p.part,
      file,
      String(raw.get(p.part) ?? p.raw),
      kb(p.gzipShare).toFixed(1),
      `${((100 * p.gzipShare) / gzipTotal).toFixed(1)}%`,
    ]);
  const rows = [
    ...tableRows('reprise.js', filePartSizes(browserDir, 'reprise.js'), rawSdk, gzipSize(sdk)),
    ...CHUNKS.flatMap((c) =>
      tableRows(
        `reprise-${c.name}.*.js (lazy)`,
        filePartSizes(browserDir, chunkFiles[c.name]!),
        metafileParts(path.join(metaDir, `${c.name}.json`), chunkFiles[c.name]!),
        chunkGzip[c.name]!,
      ),
    ),
  ];

  return {
    name: 'bundle',
    title: 'Recorder bundle size',
    measured:
      'The built browser SDK (`npm run build -w @reprise/recorder`): gzip -9 of reprise.js, the script a page loads before ' +
      'recording starts with always-on defaults; of its lazy chunks (the codec, the late capture code and the network records code, imported once recording has started; buffer mode, the UI and canvas recording, when used); and of ' +
      'the on-demand loader.js. The table below splits each file into parts (esbuild metafile for raw bytes; the source ' +
      "map attributes each output character to its source, each part's code is gzipped alone and those sizes scaled to the file's gzip size).",
    baseline:
      "rrweb's record build: `export { record } from '@rrweb/record'` (the same pinned 2.1.6, unpatched) bundled by esbuild " +
      'exactly as reprise.js is (minified IIFE, es2020), gzip -9.',
    machine: describeMachine(null),
    date: new Date().toISOString(),
    command: opts.command,
    runs: 1,
    options: { revision: gitRevision(), targetFirstLoadKB: FIRST_LOAD_TARGET_KB, targetLoaderKB: LOADER_TARGET_KB },
    metrics: collectMetrics(specs, [row]),
    headline: ['firstLoadKB', 'rrwebKB', 'ratioFirstLoad', 'loaderKB'],
    tables: [{ title: 'Where the bytes go', header: ['Part', 'File', 'Raw bytes (metafile)', 'gzip share (KB)', 'Of the file'], rows }],
    notes: [
      'Sizes are deterministic for a given build: one run; min = max = median.',
      `Target: first load ≤ ${FIRST_LOAD_TARGET_KB} KB gzip: ${row.firstLoadKB <= FIRST_LOAD_TARGET_KB ? 'met' : 'missed'} (${row.firstLoadKB.toFixed(1)} KB); ` +
        `loader < ${LOADER_TARGET_KB} KB gzip: ${row.loaderKB < LOADER_TARGET_KB ? 'met' : 'missed'} (${row.loaderKB.toFixed(2)} KB). ` +
        'packages/recorder/test/bundle-size.test.ts holds the budgets this build reaches.',
      'Lazy chunks: `codec` is imported as soon as recording queues its first event (normally there before the first batch is cut), ' +
        '`capture` (env, web vitals, click and key target descriptions, the serialization of console arguments and rejection reasons) and `network` (bodies, redaction and events of requests) ' +
        'as soon as recording starts; `buffer` only in buffer mode, ' +
        '`canvas` only with canvas recording on, `ui` only for the support-link badge or the feedback widget. Before the codec is there, ' +
        'a pagehide send goes as plain JSON; without it, batches go as gzip (CompressionStream). What happens before `capture`, ' +
        '`network` or `buffer` arrives waits for it, in order, with its own time (vitals come from PerformanceObservers with ' +
        'buffered: true; a request is timed by the first-load hook, which clones the bodies it must before the page reads them).',
      'What is left in the first load is needed from the first event: rrweb (without its canvas code, and without the code paths ' +
        'its fixed options never run: rrweb-patches/trim.mjs), the capture modules that patch console (taking time, stack and labels) and listen for ' +
        'errors, clicks and keys from the start, the fetch/XHR/sendBeacon hooks (with trace propagation), the transport (batching, the outbox, sessionStorage parking for pagehide) and the API.',
      "A lazy chunk's name carries a hash of its content; reprise.js names those of its own build.",
    ],
  };
}
