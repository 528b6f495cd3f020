// Builds the demo's minified checkout bundle and its source map from src/checkout.ts
// (public/assets/dist/, not committed): the page /demo/checkout-bundled serves it, and the source
// maps e2e test uploads the map with `reprise sourcemaps upload`.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('./src/checkout.ts', import.meta.url).pathname],
  outfile: new URL('./public/assets/dist/checkout.min.js', import.meta.url).pathname,
  minify: true,
  sourcemap: 'linked',
  sourcesContent: true,
  format: 'iife',
  target: 'es2019',
  logLevel: 'warning',
});
