import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PEER_SPECS, PEERS } from './peers-recorders.js';
import { BENCH_DIR } from './results.js';

const ROOT = path.resolve(BENCH_DIR, '..');

/** Bundles one recorder entry the way a site would ship it: one minified IIFE for the browser. */
async function bundleEntry(name: string, contents: string): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: BENCH_DIR, loader: 'js', sourcefile: `${name}-entry.js` },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'error',
    // Some SDKs read process.env.NODE_ENV; a production site build replaces it.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const code = out.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`esbuild produced no bundle for ${name}`);
  return code;
}

/** Every peer's page script by file name (`rrweb.js`, `sentry.js`, …), bundled now. */
export async function buildPeerBundles(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of PEERS) {
    const entry = PEER_SPECS[name].entry;
    if (entry !== null) out.set(`${name}.js`, await bundleEntry(name, entry));
  }
  return out;
}

/** posthog-js's prebuilt browser scripts, which its SDK loads lazily from `<host>/static/` (the recorder among them). */
export function posthogStatics(): Map<string, string> {
  const dir = path.join(ROOT, 'node_modules/posthog-js/dist');
  const out = new Map<string, string>();
  for (const f of readdirSync(dir))
    if (f.endsWith('.js') && !f.startsWith('module') && !f.startsWith('main')) out.set(f, readFileSync(path.join(dir, f), 'utf8'));
  return out;
}

export const gzipBytes = (code: string | Buffer): number => gzipSync(code, { level: 9 }).length;

/** Reprise's on-demand loader: not loaded by an always-on install (reported for reference). */
export function repriseLoader(): Buffer {
  return readFileSync(path.join(ROOT, 'packages/recorder/dist/browser/loader.js'));
}
