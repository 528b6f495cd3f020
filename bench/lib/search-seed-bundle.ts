import { build } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Bundles the seeding worker (search-seed-worker.ts and everything it imports, server code
 * included) into one plain-JS file in `dir`. Workers then need no TypeScript loader, and the
 * code runs without tsx's keepNames wrappers, which cost ~10% in extraction's hot loops.
 * better-sqlite3 (native) stays outside, imported by absolute path.
 */
export async function bundleSeedWorker(dir: string): Promise<URL> {
  const outfile = path.join(dir, 'seed-worker.mjs');
  const sqlite = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
  await build({
    entryPoints: [path.join(here, 'search-seed-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'warning',
    plugins: [
      {
        name: 'native-sqlite',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true }));
        },
      },
    ],
  });
  return pathToFileURL(outfile);
}
