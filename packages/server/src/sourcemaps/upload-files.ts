import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** A minified script found under the build directory, and the map it names. */
export interface MapPair {
  /** The script's path relative to the directory, `/`-separated. */
  script: string;
  /** Where its map came from: a file path, or `inline`. */
  mapFrom: string;
  mapText: string;
  debugId: string | null;
}

const SCRIPT_EXT = /\.(m|c)?js$/;
const MAPPING_URL = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/;
const DEBUG_ID = /\/\/[#@]\s*debugId=([0-9a-fA-F-]{32,36})\s*$/;
/** Only the end of a script carries the comments; a bundle may be megabytes. */
const TAIL_BYTES = 4096;

/**
 * The scripts of a build directory with their maps: the map a script's `//# sourceMappingURL`
 * names (a file next to it, or an inline `data:` URL), else the map with the same debug id
 * (`//# debugId=` in the script, `debugId` in the map), else `<script>.map` when it exists.
 */
export async function findMapPairs(dir: string): Promise<{ pairs: MapPair[]; skipped: string[] }> {
  const files = await walk(dir);
  const scripts = files.filter((f) => SCRIPT_EXT.test(f));
  const maps = files.filter((f) => f.endsWith('.map'));
  const byDebugId = new Map<string, string>();
  for (const m of maps) {
    const id = await mapDebugId(path.join(dir, m));
    if (id) byDebugId.set(id, m);
  }
  const pairs: MapPair[] = [];
  const skipped: string[] = [];
  for (const script of scripts) {
    const full = path.join(dir, script);
    const text = await readFile(full, 'utf8');
    const lines = text.slice(-TAIL_BYTES).split('\n').reverse();
    const mappingUrl = firstMatch(lines, MAPPING_URL);
    const debugId = firstMatch(lines, DEBUG_ID)?.toLowerCase() ?? null;
    let mapFrom: string | null = null;
    let mapText: string | null = null;
    if (mappingUrl?.startsWith('data:')) {
      const comma = mappingUrl.indexOf(',');
      const body = mappingUrl.slice(comma + 1);
      mapText = mappingUrl.slice(0, comma).endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
      mapFrom = 'inline';
    } else if (mappingUrl && !/^[a-z]+:/i.test(mappingUrl)) {
      const rel = path.posix.join(path.posix.dirname(script), mappingUrl.split(/[?#]/)[0]!);
      if (maps.includes(rel)) mapFrom = rel;
    }
    if (!mapFrom && debugId && byDebugId.has(debugId)) mapFrom = byDebugId.get(debugId)!;
    if (!mapFrom && maps.includes(`${script}.map`)) mapFrom = `${script}.map`;
    if (!mapFrom) {
      skipped.push(script);
      continue;
    }
    mapText ??= await readFile(path.join(dir, mapFrom), 'utf8');
    pairs.push({ script, mapFrom, mapText, debugId });
  }
  return { pairs, skipped };
}

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

function firstMatch(lines: string[], re: RegExp): string | null {
  for (const l of lines) {
    const m = re.exec(l.trim());
    if (m) return m[1]!;
  }
  return null;
}

async function mapDebugId(file: string): Promise<string | null> {
  // Large maps are parsed only when a script needs them; a debug id is near the start or end.
  if ((await stat(file)).size > 64 * 1024 * 1024) return null;
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as { debugId?: unknown };
    return typeof v.debugId === 'string' ? v.debugId.toLowerCase() : null;
  } catch {
    return null;
  }
}
