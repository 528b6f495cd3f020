// Builds the recorder artifacts with esbuild (types come from `tsc --emitDeclarationOnly`):
//   dist/index.js           ESM for bundlers, everything bundled in (rrweb and the codec included)
//   dist/browser/reprise.js minified IIFE for <script src=".../sdk/reprise.js" data-project-key>
//   dist/browser/reprise-codec.<hash>.js  its lazy chunk: fflate, the static dictionary and the
//                           compression Worker's source, imported once recording has started
//                           (src/transport/codec-loader-lazy.ts); the hash pins it to this build
//   dist/browser/loader.js  tiny on-demand loader (support links): must not pull in rrweb or the recorder
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rrwebPatches } from './rrweb-patches.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const base = { bundle: true, platform: 'browser', target: 'es2019', legalComments: 'none', logLevel: 'warning' };

// The compression worker (fflate) is bundled first and inlined as a string: it starts from a Blob URL.
const worker = await build({
  ...base,
  entryPoints: [join(root, 'src/transport/compress-worker.ts')],
  format: 'iife',
  minify: true,
  write: false,
});

// The codec chunk: a content-hashed ESM file next to reprise.js (older builds' chunks are removed).
const browserDir = join(root, 'dist/browser');
mkdirSync(browserDir, { recursive: true });
for (const f of readdirSync(browserDir)) if (/^reprise-codec\.[^.]+\.js(\.map)?$/.test(f)) rmSync(join(browserDir, f));
const codecChunk = await build({
  ...base,
  entryPoints: [join(root, 'src/codec-chunk.ts')],
  outdir: browserDir,
  entryNames: 'reprise-codec.[hash]',
  format: 'esm',
  minify: true,
  sourcemap: true,
  metafile: true,
  define: { __REPRISE_COMPRESS_WORKER__: JSON.stringify(worker.outputFiles[0].text) },
});
const codecFile = Object.keys(codecChunk.metafile.outputs)
  .map((f) => basename(f))
  .find((f) => f.endsWith('.js'));

/** The script-tag build loads the codec lazily: codec-loader.js → codec-loader-lazy.ts, and fflate must not be in it. */
function lazyCodec() {
  return {
    name: 'reprise-lazy-codec',
    setup(b) {
      b.onResolve({ filter: /[\\/]codec-loader\.js$|^\.\/codec-loader\.js$/ }, () => ({
        path: join(root, 'src/transport/codec-loader-lazy.ts'),
      }));
      b.onEnd((result) => {
        // What ended up in the output (an input may be parsed and then tree-shaken away).
        const inputs = Object.values(result.metafile?.outputs ?? {}).flatMap((o) =>
          Object.entries(o.inputs)
            .filter(([, i]) => i.bytesInOutput > 0)
            .map(([f]) => f),
        );
        const eager = inputs.filter((f) => /node_modules[\\/]fflate|static-dictionary|src[\\/]transport[\\/]codec\.ts$/.test(f));
        if (eager.length) throw new Error(`reprise.js must load the codec lazily, but bundles ${eager.join(', ')}`);
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
    plugins: [...common.plugins, lazyCodec()],
    define: { __REPRISE_VERSION__: common.define.__REPRISE_VERSION__, __REPRISE_CODEC_CHUNK__: JSON.stringify(codecFile) },
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
for (const [name, result] of [
  ['reprise', sdk],
  ['codec', codecChunk],
  ['loader', loader],
])
  writeFileSync(join(root, `dist/meta/${name}.json`), JSON.stringify(result.metafile));
