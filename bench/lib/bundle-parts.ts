/**
 * Where the bytes of a built browser file go: each output character is attributed to the source
 * file its source-map segment names (esbuild writes one per token), sources are grouped into
 * parts, and each part's text is gzipped on its own. Gzip of a part alone over-counts what it
 * adds to the whole (the whole shares one window), so `gzipShare` scales those sizes to sum to
 * the file's real gzip size.
 */
import { gzipSync } from 'node:zlib';
import { decode } from '@jridgewell/sourcemap-codec';

export interface PartSize {
  part: string;
  /** Output bytes (characters) of the part's code. */
  raw: number;
  /** gzip -9 of the part's code alone. */
  gzipAlone: number;
  /** Its share of the file's gzip size (gzipAlone scaled so the parts sum to the file's gzip). */
  gzipShare: number;
}

/** The source index (into map.sources) of every character of `code`, or -1 where no segment says. */
export function ownersOf(code: string, map: { mappings: string }): Int32Array[] {
  const lines = code.split('\n');
  const owners = lines.map((l) => new Int32Array(l.length).fill(-1));
  decode(map.mappings).forEach((segs, li) => {
    const row = owners[li];
    if (!row) return;
    // A segment of 1 field maps its columns to no source.
    segs.forEach((x, i) => row.fill(x.length >= 4 ? x[1]! : -1, x[0], i + 1 < segs.length ? segs[i + 1]![0] : row.length));
  });
  return owners;
}

export function gzipSize(text: string | Uint8Array): number {
  return gzipSync(text, { level: 9 }).byteLength;
}

/** Sizes of the parts of `code` (with its source map), `partOf` naming the part of a source path. */
export function partSizes(code: string, map: { sources: string[]; mappings: string }, partOf: (source: string) => string): PartSize[] {
  const owners = ownersOf(code, map);
  const lines = code.split('\n');
  const texts = new Map<string, string[]>();
  lines.forEach((line, li) => {
    const row = owners[li]!;
    let start = 0;
    for (let c = 1; c <= line.length; c++) {
      if (c < line.length && row[c] === row[start]) continue;
      const part = row[start]! < 0 ? 'esbuild glue' : partOf(map.sources[row[start]!]!);
      let t = texts.get(part);
      if (!t) texts.set(part, (t = []));
      t.push(line.slice(start, c));
      start = c;
    }
  });
  const total = gzipSize(code);
  const parts = [...texts].map(([part, t]) => {
    const text = t.join('');
    return { part, raw: Buffer.byteLength(text), gzipAlone: gzipSize(text), gzipShare: 0 };
  });
  const alone = parts.reduce((n, p) => n + p.gzipAlone, 0);
  for (const p of parts) p.gzipShare = alone > 0 ? (p.gzipAlone * total) / alone : 0;
  return parts.sort((a, b) => b.gzipShare - a.gzipShare);
}

/** Reprise's parts: rrweb, the dictionary, fflate/compression, each capture module, the UI, the rest. */
export function reprisePart(source: string): string {
  const s = source.replace(/\\/g, '/');
  if (s.includes('node_modules/@rrweb/') || s.includes('node_modules/rrweb')) return 'rrweb (@rrweb/record, patched)';
  if (s.includes('node_modules/base64-arraybuffer')) return 'rrweb (@rrweb/record, patched)';
  // The canvas chunk's module (build.mjs: rrweb-patches/lazy-canvas.mjs).
  if (s.includes('rrweb-canvas')) return "rrweb's canvas recording";
  if (s.includes('node_modules/fflate/')) return 'fflate';
  if (s.includes('static-dictionary')) return 'static dictionary r1';
  if (/src\/transport\/(compress|codec|worker-compressor)/.test(s) || s.endsWith('src/codec-chunk.ts'))
    return 'compression (Worker source, codec, compressor)';
  let m = /src\/capture\/network\//.exec(s);
  if (m) return 'capture: network';
  m = /src\/capture\/([\w-]+)\.ts$/.exec(s);
  if (m) return `capture: ${m[1]}`;
  if (/src\/ui\//.test(s)) return 'UI (badge, feedback widget)';
  if (/src\/(dom\/frames|frame-child)\.ts$/.test(s)) return 'frames (cross-origin iframes)';
  m = /src\/dom\/([\w-]+)\.ts$/.exec(s);
  if (m) return `dom: ${m[1]}`;
  if (/src\/transport\//.test(s)) return 'transport (batching, outbox, dictionaries, send)';
  if (/src\/(buffer|buffer-mode)\.ts$/.test(s)) return 'buffer mode';
  if (/src\/link\.ts$/.test(s)) return 'support links';
  if (s.includes('/protocol/')) return '@reprise/protocol (redaction, types)';
  return 'rest (recorder, session, options, API)';
}
