// Builds the recorder artifacts with esbuild (types come from `tsc --emitDeclarationOnly`):
//   dist/index.js           ESM for bundlers, everything bundled in (rrweb and the codec included)
//   dist/browser/reprise.js minified IIFE for <script src=".../sdk/reprise.js" data-project-key>
//   dist/browser/reprise-<name>.<hash>.js  its lazy chunks (CHUNKS below), imported when first
//                           needed (src/lazy-chunk.ts); the hash pins a chunk to this build
//   dist/browser/loader.js  tiny on-demand loader (support links): must not pull in rrweb or the recorder
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canvasChunk, rrwebPatches } from './rrweb-patches.mjs';

const root = dirname(fileURLToPath(import.meta.url));

/** @rrweb/record's record.js, where this package's dependencies are installed. */
function recordJs() {
  for (const dir of [root, join(root, '../..')]) {
    const f = join(dir, 'node_modules/@rrweb/record/dist/record.js');
    if (existsSync(f)) return f;
  }
  throw new Error('@rrweb/record is not installed');
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// ES2020 syntax (optional chaining, ??) kept as written: every browser that runs the recorder has it
// (Chrome/Edge 80, Firefox 74, Safari 13.1), and lowering it cost the first load 0.7 KB gzipped.
const base = { bundle: true, platform: 'browser', target: 'es2020', legalComments: 'none', logLevel: 'warning' };

// The compression worker (fflate) is bundled first and inlined as a string: it starts from a Blob URL.
const worker = await build({
  ...base,
  entryPoints: [join(root, 'src/transport/compress-worker.ts')],
  format: 'iife',
  minify: true,
  write: false,
});

// The lazy chunks: content-hashed ESM files next to reprise.js (older builds' chunks are removed).
// reprise.js gets their names (__REPRISE_CHUNKS__) and imports them when first needed (src/lazy-chunk.ts).
const browserDir = join(root, 'dist/browser');
mkdirSync(browserDir, { recursive: true });
for (const f of readdirSync(browserDir)) if (/^reprise-[a-z]+\.[^.]+\.js(\.map)?$/.test(f)) rmSync(join(browserDir, f));
const CHUNKS = {
  // fflate, the static dictionary, the compression Worker's source and its main-thread side (src/transport/codec-loader-lazy.ts).
  codec: { entry: 'src/codec-chunk.ts', loader: /^\.\/codec-loader\.js$/, lazy: 'src/transport/codec-loader-lazy.ts' },
  // The support-link badge and the feedback widget (src/ui/ui-loader-lazy.ts).
  ui: { entry: 'src/ui-chunk.ts', loader: /^\.\/ui\/ui-loader\.js$/, lazy: 'src/ui/ui-loader-lazy.ts' },
  // Capture code that reports once or late: env, web vitals, click/key target descriptions (src/capture/late-loader-lazy.ts).
  capture: { entry: 'src/capture-chunk.ts', loader: /^\.\/late-loader\.js$/, lazy: 'src/capture/late-loader-lazy.ts' },
  // Network records: bodies, redaction, events of the requests the first load's hooks took (src/capture/network/records-loader-lazy.ts).
  network: { entry: 'src/network-chunk.ts', loader: /^\.\/records-loader\.js$/, lazy: 'src/capture/network/records-loader-lazy.ts' },
  // Buffer mode, only in that mode (src/buffer-loader-lazy.ts).
  buffer: { entry: 'src/buffer-chunk.ts', loader: /^\.\/buffer-loader\.js$/, lazy: 'src/buffer-loader-lazy.ts' },
  // rrweb's canvas recording, cut out of record.js (rrweb-patches/lazy-canvas.mjs).
  canvas: { source: await canvasChunk(recordJs()), sourcefile: 'rrweb-canvas (@rrweb/record, patched)' },
};
const chunkBuilds = {};
const chunkFiles = {};
for (const [name, c] of Object.entries(CHUNKS)) {
  chunkBuilds[name] = await build({
    ...base,
    ...(c.entry ? { entryPoints: [join(root, c.entry)] } : { stdin: { contents: c.source, sourcefile: c.sourcefile, loader: 'js' } }),
    outdir: browserDir,
    entryNames: `reprise-${name}.[hash]`,
    format: 'esm',
    minify: true,
    sourcemap: true,
    metafile: true,
    define: { __REPRISE_COMPRESS_WORKER__: JSON.stringify(worker.outputFiles[0].text) },
  });
  chunkFiles[name] = Object.keys(chunkBuilds[name].metafile.outputs)
    .map((f) => basename(f))
    .find((f) => f.endsWith('.js'));
}

/** The script-tag build: each *-loader.js becomes its lazy twin, and what the chunks hold must not be bundled in. */
function lazyChunks() {
  return {
    name: 'reprise-lazy-chunks',
    setup(b) {
      for (const c of Object.values(CHUNKS)) if (c.loader) b.onResolve({ filter: c.loader }, () => ({ path: join(root, c.lazy) }));
      b.onEnd((result) => {
        // What ended up in the output (an input may be parsed and then tree-shaken away).
        const inputs = Object.values(result.metafile?.outputs ?? {}).flatMap((o) =>
          Object.entries(o.inputs)
            .filter(([, i]) => i.bytesInOutput > 0)
            .map(([f]) => f),
        );
        const eager = inputs.filter((f) =>
          /node_modules[\\/]fflate|static-dictionary|src[\\/]transport[\\/](codec|worker-compressor)\.ts$|src[\\/]ui[\\/](badge|feedback)\.ts$|src[\\/]capture[\\/](env|perf|click-describe|serialize|dom-value)\.ts$|src[\\/]buffer(-mode)?\.ts$|src[\\/]capture[\\/]network[\\/](records|body)\.ts$/.test(
            f,
          ),
        );
        if (eager.length) throw new Error(`reprise.js must load its lazy chunks lazily, but bundles ${eager.join(', ')}`);
      });
    },
  };
}

const common = {
  ...base,
  sourcemap: true,
  // The masking memo for rrweb (see rrweb-patches.mjs); metafile lets it check it was applied.
  plugins: [rrwebPatches()],
  metafile: true,
  define: {
    __REPRISE_VERSION__: JSON.stringify(pkg.version),
    __REPRISE_COMPRESS_WORKER__: JSON.stringify(worker.outputFiles[0].text),
  },
};

const [, sdk, loader] = await Promise.all([
  build({ ...common, entryPoints: [join(root, 'src/index.ts')], outfile: join(root, 'dist/index.js'), format: 'esm' }),
  build({
    ...common,
    plugins: [rrwebPatches({ lazyCanvas: join(root, 'src/lazy-chunk.ts') }), lazyChunks()],
    define: { __REPRISE_VERSION__: common.define.__REPRISE_VERSION__, __REPRISE_CHUNKS__: JSON.stringify(chunkFiles) },
    // import() of the chunk stays as written (every browser that runs the recorder has it).
    supported: { 'dynamic-import': true },
    entryPoints: [join(root, 'src/browser.ts')],
    outfile: join(root, 'dist/browser/reprise.js'),
    format: 'iife',
    minify: true,
  }),
  build({
    ...common,
    entryPoints: [join(root, 'src/loader.ts')],
    outfile: join(root, 'dist/browser/loader.js'),
    format: 'iife',
    minify: true,
    sourcemap: false,
  }),
]);

// Which source files make up each browser file (bench/bundle.ts reports where the bytes go); not served.
mkdirSync(join(root, 'dist/meta'), { recursive: true });
for (const [name, result] of [['reprise', sdk], ...Object.entries(chunkBuilds), ['loader', loader]])
  writeFileSync(join(root, `dist/meta/${name}.json`), JSON.stringify(result.metafile));

// rrweb's canvas code must be in the canvas chunk only (its image Worker converts frames to blobs).
if (readFileSync(join(browserDir, 'reprise.js'), 'utf8').includes('convertToBlob'))
  throw new Error("reprise.js must leave rrweb's canvas recording to the canvas chunk");
