import { build } from 'esbuild';
import path from 'node:path';
import { BENCH_DIR } from './results.js';

/** What records the page: nothing, plain rrweb (+ its console plugin) or the full Reprise recorder. */
export type Variant = 'none' | 'rrweb' | 'reprise';
export const VARIANTS: readonly Variant[] = ['none', 'rrweb', 'reprise'];

/** A script served to the page, with its source map (for attributing CPU profile samples). */
export interface Bundle {
  code: string;
  map: string;
}

/**
 * Plain rrweb as its users install it: `record()` with rrweb's defaults and the console
 * plugin, every event pushed into an in-memory array (what an integration holds until its
 * own upload). Exposed as `window.__rrwebEvents`.
 */
const RRWEB_ENTRY = `
import { record } from '@rrweb/record';
import { getRecordConsolePlugin } from '@rrweb/rrweb-plugin-console-record';
const events = [];
window.__rrwebEvents = events;
window.__rrwebStop = record({ emit(e) { events.push(e); }, plugins: [getRecordConsolePlugin()] });
`;

async function bundle(opts: { entry: string } | { stdin: string }, minify: boolean): Promise<Bundle> {
  const out = await build({
    ...('entry' in opts
      ? { entryPoints: [opts.entry] }
      : { stdin: { contents: opts.stdin, resolveDir: BENCH_DIR, loader: 'js' as const, sourcefile: 'rrweb-entry.js' } }),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify,
    sourcemap: 'external',
    outfile: path.join(BENCH_DIR, 'bundle.js'),
    write: false,
    logLevel: 'warning',
  });
  const code = out.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
  const map = out.outputFiles.find((f) => f.path.endsWith('.map'))?.text;
  if (code === undefined || map === undefined) throw new Error('esbuild produced no bundle');
  return { code, map };
}

/** The rrweb baseline bundle, minified like the Reprise SDK so parse/compile costs compare. */
export function buildRrwebBundle(): Promise<Bundle> {
  return bundle({ stdin: RRWEB_ENTRY }, true);
}

/** The in-page workload code (bench/pages/workloads.ts). */
export function buildWorkloadBundle(): Promise<Bundle> {
  return bundle({ entry: path.join(BENCH_DIR, 'pages/workloads.ts') }, false);
}

/** Attributes of the script element that starts a variant. */
export function recorderAttrs(variant: Variant, projectKey: string): Record<string, string> {
  if (variant === 'none') return { src: '/bench/none.js' };
  if (variant === 'rrweb') return { src: '/bench/rrweb.js' };
  // Defaults throughout (endpoint = the script's origin): DOM, console, network, errors, compression in a Worker, upload.
  return { src: '/sdk/reprise.js', 'data-project-key': projectKey };
}

/** The same as a tag (what the demo shop's recorder tag is rewritten to). */
export function recorderTag(variant: Variant, projectKey: string, async: boolean): string {
  const attrs = Object.entries(recorderAttrs(variant, projectKey))
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  return `<script${attrs}${async ? ' async' : ''}></script>`;
}

/** Page expression: true once the variant is recording (its initial full snapshot taken). */
export function readyExpression(variant: Variant): string {
  if (variant === 'none') return 'window.__benchNone === true';
  if (variant === 'rrweb') return 'Array.isArray(window.__rrwebEvents) && window.__rrwebEvents.some((e) => e.type === 2)';
  // Reprise slices its initial snapshot over tasks: recording starts before the snapshot is complete.
  return '!!(window.Reprise && window.Reprise.getSessionId() && window.Reprise.stats() && window.Reprise.stats().eventsCaptured > 1 && window.Reprise.stats().initialSnapshot !== null)';
}

/**
 * Page expression run at the end of the measured window: Reprise uploads what it holds
 * (cut, compress in its Worker, POST, wait for the ack), as its flush timer would have done.
 * rrweb's events stay in the array; nothing records with 'none'.
 */
export function drainExpression(variant: Variant): string {
  return variant === 'reprise' ? 'window.Reprise.flush()' : 'Promise.resolve()';
}

/** What the variant produced, read after the window. */
export interface VariantOutput {
  /** rrweb: events in the array; Reprise: events captured. */
  events: number;
  /** Reprise: batches the server acknowledged. */
  batchesSent: number;
  /** Reprise: 1 when batches are compressed in a Worker (off the main thread). */
  workerCompression: number;
  /** Reprise: errors swallowed inside the recorder. */
  internalErrors: number;
  /** Reprise: tasks its initial snapshot took (0: not complete or not Reprise). */
  snapshotTasks: number;
  /** Reprise: 1 when the page changed while the snapshot was sliced, so it was retaken in one task. */
  snapshotRetaken: number;
}

export function outputExpression(variant: Variant): string {
  const none = 'snapshotTasks: 0, snapshotRetaken: 0';
  if (variant === 'none') return `({ events: 0, batchesSent: 0, workerCompression: 0, internalErrors: 0, ${none} })`;
  if (variant === 'rrweb')
    return `({ events: window.__rrwebEvents.length, batchesSent: 0, workerCompression: 0, internalErrors: 0, ${none} })`;
  return `(() => { const s = window.Reprise.stats(); return { events: s.eventsCaptured, batchesSent: s.batchesSent,
    workerCompression: s.compression === 'worker' ? 1 : 0, internalErrors: s.internalErrors,
    snapshotTasks: s.initialSnapshot ? s.initialSnapshot.tasks : 0, snapshotRetaken: s.initialSnapshot && s.initialSnapshot.retaken ? 1 : 0 }; })()`;
}
