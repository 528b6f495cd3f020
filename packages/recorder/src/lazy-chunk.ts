/**
 * The script-tag build's lazy chunks (build.mjs): ES modules next to reprise.js, named
 * `reprise-<name>.<hash>.js` (the hash pins a chunk to the build that names it), imported when
 * first needed. A module import leaves no node in the recorded DOM and no global; a page of
 * another origin needs CORS on the SDK host (the server's /sdk/ route answers with it).
 * Only the *-loader-lazy.ts modules use this; the npm build bundles everything in.
 */
declare const __REPRISE_CHUNKS__: Record<string, string>;

// The chunks sit next to this script: read its URL while the script is being evaluated.
const base: string | null = (() => {
  try {
    const s = document.currentScript;
    return s instanceof HTMLScriptElement && s.src ? s.src : null;
  } catch {
    return null;
  }
})();

const imports = new Map<string, Promise<unknown>>();

/** The chunk's module, imported once; null if it can't be had (no script URL, network, CSP, no CORS). Never rejects. */
export function importChunk<T>(name: string): Promise<T | null> {
  let p = imports.get(name);
  if (!p) {
    const file = __REPRISE_CHUNKS__[name];
    p = base && file ? (import(/* webpackIgnore: true */ new URL(file, base).href) as Promise<T>).catch(() => null) : Promise.resolve(null);
    imports.set(name, p);
  }
  return p as Promise<T | null>;
}
