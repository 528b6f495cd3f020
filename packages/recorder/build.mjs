// Builds the recorder artifacts with esbuild (types come from `tsc --emitDeclarationOnly`):
//   dist/index.js           ESM for bundlers, everything bundled in (rrweb included)
//   dist/browser/reprise.js minified IIFE for <script src=".../sdk/reprise.js" data-project-key>
//   dist/browser/loader.js  tiny on-demand loader (support links): must not pull in rrweb or the recorder
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

await Promise.all([
  build({ ...common, entryPoints: [join(root, 'src/index.ts')], outfile: join(root, 'dist/index.js'), format: 'esm' }),
  build({
    ...common,
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
