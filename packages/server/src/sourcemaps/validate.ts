/**
 * What an uploaded (or fetched) source map must be before it is stored or read: JSON, version 3,
 * a `mappings` string, `sources` a list of strings, within the size cap. Index maps (`sections`)
 * are refused: build tools write plain maps for bundles.
 */

/** Largest map accepted, in bytes of JSON (the upload body and a fetched map alike). */
export const MAX_MAP_BYTES = 16 * 1024 * 1024;
/** Longest source path kept; longer ones are cut for display. */
const MAX_SOURCE_PATH = 500;

export interface RawSourceMap {
  version: 3;
  file?: string;
  sourceRoot?: string;
  sources: (string | null)[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  debugId?: string;
}

export type MapCheck = { ok: true; map: RawSourceMap; debugId: string | null; rewrittenSources: number } | { ok: false; reason: string };

const DEBUG_ID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Checks a map's text; never throws. `sources` come back made safe (see safeSourcePath). */
export function checkSourceMap(text: string, maxBytes = MAX_MAP_BYTES): MapCheck {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) return { ok: false, reason: `the map is ${size} bytes, over the ${maxBytes}-byte cap` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the map is not JSON' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, reason: 'the map is not a JSON object' };
  const m = v as Record<string, unknown>;
  if ('sections' in m) return { ok: false, reason: 'index maps (sections) are not supported: upload the map of each file' };
  if (m.version !== 3) return { ok: false, reason: `the map's version is ${JSON.stringify(m.version) ?? 'missing'}, not 3` };
  if (typeof m.mappings !== 'string') return { ok: false, reason: 'the map has no mappings string' };
  if (!Array.isArray(m.sources) || !m.sources.every((s) => s === null || typeof s === 'string')) {
    return { ok: false, reason: 'the map\'s "sources" is not a list of strings' };
  }
  if (m.names !== undefined && (!Array.isArray(m.names) || !m.names.every((s) => typeof s === 'string'))) {
    return { ok: false, reason: 'the map\'s "names" is not a list of strings' };
  }
  if (
    m.sourcesContent !== undefined &&
    (!Array.isArray(m.sourcesContent) || !m.sourcesContent.every((s) => s === null || typeof s === 'string'))
  ) {
    return { ok: false, reason: 'the map\'s "sourcesContent" is not a list of strings' };
  }
  if (m.sourceRoot !== undefined && typeof m.sourceRoot !== 'string')
    return { ok: false, reason: 'the map\'s "sourceRoot" is not a string' };
  let rewritten = 0;
  const sources = (m.sources as (string | null)[]).map((s) => {
    if (s === null) return null;
    // `../src/a.ts` is how bundlers name sources next to their output dir: folded silently. A scheme,
    // an absolute path or control characters are worth saying.
    // eslint-disable-next-line no-control-regex -- control characters are what is being detected
    if (/^([a-z][a-z0-9+.-]*:|[\\/])|[\u0000-\u001f\u007f]/i.test(s)) rewritten++;
    return safeSourcePath(s);
  });
  const debugId = typeof m.debugId === 'string' && DEBUG_ID.test(m.debugId) ? m.debugId.toLowerCase() : null;
  const map: RawSourceMap = {
    version: 3,
    sources,
    names: (m.names as string[] | undefined) ?? [],
    mappings: m.mappings,
    // Sources are already made safe and relative: a sourceRoot would only re-prefix them.
    ...(m.sourcesContent ? { sourcesContent: m.sourcesContent as (string | null)[] } : {}),
    ...(typeof m.file === 'string' ? { file: m.file } : {}),
  };
  return { ok: true, map, debugId, rewrittenSources: rewritten };
}

/**
 * A map's `sources` entry as a plain relative display path: no scheme (`file://`, `webpack://`,
 * `javascript:`), no drive letter or leading `/`, `.` and `..` segments folded without ever
 * climbing above the root, control characters replaced, length bounded. The server never opens
 * or fetches a source path: it is only shown, so this is what makes it harmless to show.
 */
export function safeSourcePath(raw: string): string {
  let s = raw
    // eslint-disable-next-line no-control-regex -- control characters are what is being removed
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/\\/g, '/');
  s = s.replace(/^[a-z][a-z0-9+.-]*:(\/\/)?/i, ''); // scheme (file://, webpack://, javascript:)
  s = s.replace(/^\/+/, '').replace(/^[a-z]:(\/|$)/i, ''); // leading slashes, then a Windows drive
  const out: string[] = [];
  for (const seg of s.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const path = out.join('/') || '(unnamed source)';
  return path.length > MAX_SOURCE_PATH ? `…${path.slice(-MAX_SOURCE_PATH)}` : path;
}

/** The key a minified file's URL is stored and looked up under: absolute http(s), without query or fragment. */
export function scriptKey(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  u.search = '';
  u.hash = '';
  const s = u.toString();
  return s.length <= 2048 ? s : null;
}
