import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The viewer's export build (packages/viewer/vite.export.config.ts): packages/server/dist/export/html → packages/viewer. */
export const DEFAULT_EXPORT_BUNDLE_DIR = path.resolve(here, '../../../../viewer/dist-export');

/** The export's script and stylesheet, ready to inline, and the script's CSP hash. */
export interface ExportBundle {
  script: string;
  style: string;
  /** `'sha256-…'`: the only script the exported file's CSP lets run. */
  scriptHash: string;
}

/** The viewer's export bundle is not built (npm run build). */
export class ExportBundleMissing extends Error {}

interface ManifestEntry {
  file: string;
  isEntry?: boolean;
}

const cache = new Map<string, Promise<ExportBundle>>();

/** Reads the bundle once per process (it changes only with a new build of the server's viewer). */
export function loadExportBundle(dir: string = DEFAULT_EXPORT_BUNDLE_DIR): Promise<ExportBundle> {
  let p = cache.get(dir);
  if (!p) {
    p = readBundle(dir);
    cache.set(dir, p);
    p.catch(() => cache.delete(dir));
  }
  return p;
}

async function readBundle(dir: string): Promise<ExportBundle> {
  let manifest: Record<string, ManifestEntry>;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>;
  } catch (err) {
    throw new ExportBundleMissing(`the viewer's export bundle is not built at ${dir} (npm run build): ${(err as Error).message}`);
  }
  const entry = Object.values(manifest).find((e) => e.isEntry && e.file.endsWith('.js'));
  const styles = Object.values(manifest).filter((e) => e.file.endsWith('.css'));
  if (!entry) throw new ExportBundleMissing(`no entry script in ${dir}/.vite/manifest.json`);
  // One script: a page opened from file:// cannot load further module chunks.
  if (Object.values(manifest).some((e) => e.file.endsWith('.js') && e !== entry)) {
    throw new ExportBundleMissing(`the export bundle at ${dir} is split into several scripts`);
  }
  const script = inlineScript(await readFile(path.join(dir, entry.file), 'utf8'));
  const style = (await Promise.all(styles.map((s) => readFile(path.join(dir, s.file), 'utf8')))).join('\n');
  if (/<\/style/i.test(style)) throw new ExportBundleMissing('the export stylesheet contains </style');
  return { script, style, scriptHash: `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'` };
}

/**
 * The bundle as the text of an inline `<script>`: `</script` and `<!--` would end or confuse the
 * element; in the places they can occur in built code (strings, templates, regular expressions)
 * `<\/` and `<\!` mean the same.
 */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
