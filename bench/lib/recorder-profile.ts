/**
 * Attributes a browser CPU profile (CDP Profiler) to code areas a reader can act on:
 * rrweb, each Reprise source file, the page's own code, natives and GC. Bundles are
 * minified, so frames are mapped back to their source file through the bundle's
 * source map (only the source index of each mapping is needed).
 */
import { decode } from '@jridgewell/sourcemap-codec';

/** The parts of a CDP `Profiler.Profile` this reads. */
export interface BrowserProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Generated line → sorted [column, source index] pairs, from a v3 source map. */
export class SourceMapIndex {
  private readonly lines: Array<Array<[number, number]>> = [];
  readonly sources: string[];

  constructor(mapJson: string) {
    const map = JSON.parse(mapJson) as { sources: string[]; mappings: string };
    this.sources = map.sources;
    // Segments of 1 field map nothing; the others name a source.
    for (const segs of decode(map.mappings)) this.lines.push(segs.filter((x) => x.length >= 4).map((x): [number, number] => [x[0], x[1]!]));
  }

  /** Source file of a 0-based generated position, or null when unmapped. */
  sourceAt(line: number, column: number): string | null {
    const segs = this.lines[line];
    if (!segs || segs.length === 0) return null;
    let lo = 0;
    let hi = segs.length - 1;
    if (segs[0]![0] > column) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]![0] <= column) lo = mid;
      else hi = mid - 1;
    }
    return this.sources[segs[lo]![1]] ?? null;
  }
}

export const RRWEB_AREA = 'rrweb (record, snapshot, observers)';

/** Area of a source file named by a source map (paths relative to the bundle). */
export function areaOfSource(source: string): string {
  const s = source.replace(/\\/g, '/');
  if (s.includes('rrweb-plugin-console-record')) return 'rrweb console plugin';
  // rrweb's dist maps chain to its sources (@rrweb/rrweb/src, @rrweb/rrweb-snapshot/src, rrdom, its deps).
  if (/node_modules\/.*(rrweb|rrdom|base64-arraybuffer)|node_modules\/utils\//.test(s)) return RRWEB_AREA;
  if (s.includes('node_modules/fflate/')) return 'fflate (synchronous compression)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s);
  if (nm) return nm[1]!;
  if (s.includes('protocol/src/')) return 'Reprise protocol';
  // The SDK's map names its own files relative to packages/recorder/dist/browser: ../../src/<file>.
  const m = /(?:^|\/)src\/(.+)$/.exec(s);
  if (m) return `Reprise ${m[1]}`;
  if (s.includes('pages/workloads')) return 'page (workload script)';
  if (s.includes('rrweb-entry')) return RRWEB_AREA;
  return s.split('/').slice(-2).join('/');
}

export interface AreaTime {
  area: string;
  ms: number;
  /** Largest native/builtin leaves under this area (e.g. JSON.stringify, Element.closest), ms, up to 8. */
  natives: Array<{ name: string; ms: number }>;
}

/**
 * Self time per area. A sample in a native or builtin frame (no script URL: JSON.stringify,
 * appendChild, TextEncoder…) counts for the nearest scripted frame above it, so a stringify
 * issued by the transport is transport time; the native's name is kept as detail.
 * `bundles` maps a script URL path (e.g. "/sdk/reprise.js") to its source map.
 */
export function attributeProfile(
  profile: BrowserProfile,
  bundles: ReadonlyMap<string, SourceMapIndex>,
): { totalMs: number; areas: AreaTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areaCache = new Map<number, { area: string | null; native: string | null }>();

  const frameArea = (id: number): { area: string | null; native: string | null } => {
    const cached = areaCache.get(id);
    if (cached) return cached;
    const { functionName, url } = byId.get(id)!.callFrame;
    let result: { area: string | null; native: string | null };
    if (functionName === '(idle)' || functionName === '(root)') result = { area: null, native: null };
    else if (functionName === '(garbage collector)') result = { area: 'garbage collection', native: null };
    else if (functionName === '(program)') result = { area: 'browser/V8 outside script frames', native: null };
    else if (!url) {
      // Native or builtin: owned by the nearest scripted frame above it.
      const p = parent.get(id);
      const up = p === undefined ? null : frameArea(p).area;
      result = { area: up ?? 'natives (no script frame)', native: functionName || '(anonymous native)' };
    } else {
      const node = byId.get(id)!;
      let p: string;
      try {
        p = new URL(url).pathname;
      } catch {
        p = url;
      }
      const map = bundles.get(p);
      const src = map?.sourceAt(node.callFrame.lineNumber, node.callFrame.columnNumber);
      result = {
        area: src ? areaOfSource(src) : p.startsWith('/demo/') ? 'page (demo shop scripts)' : `${p} (script top level)`,
        native: null,
      };
    }
    areaCache.set(id, result);
    return result;
  };

  const areas = new Map<string, { ms: number; natives: Map<string, number> }>();
  let total = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the sample stands for the interval after it.
    const ms = (deltas[i + 1] ?? 0) / 1000;
    const { area, native } = frameArea(samples[i]!);
    if (area === null) continue;
    total += ms;
    const a = areas.get(area) ?? { ms: 0, natives: new Map<string, number>() };
    a.ms += ms;
    if (native) a.natives.set(native, (a.natives.get(native) ?? 0) + ms);
    areas.set(area, a);
  }
  return {
    totalMs: total,
    areas: [...areas.entries()]
      .map(([area, a]) => ({
        area,
        ms: a.ms,
        natives: [...a.natives.entries()]
          .sort((x, y) => y[1] - x[1])
          .slice(0, 8)
          .map(([name, ms]) => ({ name, ms })),
      }))
      .sort((x, y) => y.ms - x.ms),
  };
}
