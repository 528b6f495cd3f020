// Builds the two recorder artifacts with esbuild (types come from `tsc --emitDeclarationOnly`):
//   dist/index.js           ESM for bundlers, everything bundled in (rrweb included)
//   dist/browser/reprise.js minified IIFE for <script src=".../sdk/reprise.js" data-project-key>
//   dist/browser/loader.js  tiny on-demand loader (support links): must not pull in rrweb or the recorder
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  platform: 'browser',
  target: 'es2019',
  sourcemap: true,
  legalComments: 'none',
  define: { __REPRISE_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
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
