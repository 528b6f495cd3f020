import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) this reads. */
interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; hitCount?: number; children?: number[] }[];
}

export interface ProfileSummary {
  /** Non-idle samples over all profiles. */
  samples: number;
  /** Time by area (package, Node module, Reprise file; see summarizeProfiles), share of non-idle samples, largest first. */
  self: { area: string; share: number }[];
  /** Inclusive time of the named functions (anything below them on the stack), share of non-idle samples. */
  inclusive: { fn: string; share: number }[];
}

/** Where a frame's own time goes, in words a reader can act on. */
function areaOf(functionName: string, url: string): string | null {
  if (functionName === '(idle)') return null;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8/native outside JS frames';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/'))
      return 'AWS SDK (S3 client: signing, HTTP)';
    if (pkg === 'pg' || pkg.startsWith('pg-')) return 'pg (PostgreSQL client, incl. its socket writes)';
    if (pkg === 'fastify' || pkg.startsWith('@fastify/') || pkg === 'find-my-way' || pkg === 'light-my-request' || pkg === 'avvio')
      return 'Fastify';
    return pkg;
  }
  if (url.startsWith('node:zlib')) return 'zlib (gzip/gunzip, node:zlib)';
  if (url.startsWith('node:')) {
    const mod = url.slice(5);
    if (/^internal\/(streams|http|net|stream_base|url)|^_http|^http|^net|^stream/.test(mod)) return 'Node http/net/streams';
    if (/crypto/.test(mod)) return 'node:crypto (hashes, signing)';
    return 'Node internals (other)';
  }
  const m = /\/packages\/([a-z-]+)\/(?:dist|src)\/(.+)$/.exec(url);
  if (m) return m[1] === 'server' ? `Reprise ${m[2]}` : `Reprise ${m[1]} package`;
  if (!url) return `builtin ${functionName || '(anonymous)'}`;
  return path.basename(url);
}

/** Module loading at start-up (and lazy imports): not the steady state being measured. */
function isModuleLoading(url: string): boolean {
  return url.startsWith('node:internal/modules/') || url.startsWith('node:internal/deps/cjs-module-lexer');
}

/** A library or Reprise frame: the code on whose behalf Node internals and natives below it run. */
function isOwner(url: string): boolean {
  return url.includes('/node_modules/') || /\/packages\/[a-z-]+\/(?:dist|src)\//.test(url);
}

/** node --cpu-prof names a thread's profile `CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile`; thread 0 is the main thread. */
function isMainThreadProfile(file: string): boolean {
  return /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(file);
}

/**
 * Sums the `.cpuprofile`s in `dir` of the main threads (`threads: 'main'`), of the worker threads
 * (`'workers'`) or of all; `fns` are function names whose inclusive time is reported.
 * A sample's time goes to the nearest library or Reprise frame above it (so a socket write issued
 * by the pg client counts as pg), except that zlib work is its own area; samples with no such frame
 * (the HTTP server's parser, timers, GC) keep their own frame's area. Start-up module loading is left out.
 */
export function summarizeProfiles(dir: string, fns: readonly string[], threads: 'main' | 'workers' | 'all' = 'all'): ProfileSummary {
  const self = new Map<string, number>();
  const incl = new Map<string, number>(fns.map((f) => [f, 0]));
  let samples = 0;
  const wanted = (f: string) => threads === 'all' || (threads === 'main') === isMainThreadProfile(f);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && wanted(f))) {
    const prof = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (const n of prof.nodes) {
      const hits = n.hitCount ?? 0;
      if (hits === 0) continue;
      const own = areaOf(n.callFrame.functionName, n.callFrame.url);
      if (own === null) continue;
      let area: string | null = null;
      let zlib = false;
      let loading = false;
      const seen = new Set<string>();
      for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
        const { functionName, url } = byId.get(id)!.callFrame;
        if (isModuleLoading(url)) loading = true;
        if (url.startsWith('node:zlib')) zlib = true;
        if (area === null && isOwner(url)) area = zlib ? 'zlib (gzip/gunzip, node:zlib)' : areaOf(functionName, url);
        if (incl.has(functionName) && !seen.has(functionName)) seen.add(functionName);
      }
      if (loading) continue;
      area ??= own;
      samples += hits;
      self.set(area, (self.get(area) ?? 0) + hits);
      for (const name of seen) incl.set(name, incl.get(name)! + hits);
    }
  }
  const share = (v: number) => (samples > 0 ? v / samples : 0);
  return {
    samples,
    self: [...self.entries()].sort((a, b) => b[1] - a[1]).map(([area, v]) => ({ area, share: share(v) })),
    inclusive: fns.map((fn) => ({ fn, share: share(incl.get(fn)!) })),
  };
}
