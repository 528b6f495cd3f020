import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { areaOfSource, RRWEB_AREA, SourceMapIndex } from '../lib/recorder-profile.js';
import { metric as metricOf, type BenchResult } from '../lib/results.js';
import { RECORDER_BUNDLE } from '../lib/server.js';
import { recorderOptions, runRecorder } from '../recorder.js';

// Smoke mode only: one run of every workload at a tiny size (50 nested elements, 200 added and
// moved, 200 attribute changes, a 1000-node snapshot, the short demo checkout), plus one profiled
// window per recorder on the snapshot workload. Nothing is written to bench/results.
const metric = (r: BenchResult, key: string): number => metricOf(r, key).median;

describe('recorder overhead benchmark in smoke mode', () => {
  // Every workload under every variant, each in a fresh Chromium page: more than the 60 s default on a loaded machine.
  it('measures every workload under every variant, and the recorders really record and upload', async () => {
    const r = await runRecorder(recorderOptions({ smoke: true, command: 'vitest smoke' }));
    expect(r.name).toBe('recorder');
    expect(r.runs).toBe(1);
    expect(r.machine.chromium).toMatch(/\d+\./);
    expect(r.options.snapshotNodes).toBe(1000);
    for (const m of r.metrics) {
      expect(Number.isFinite(m.median), m.key).toBe(true);
      expect(m.median, m.key).toBeGreaterThanOrEqual(0);
    }
    for (const w of ['nested', 'addMove', 'attributes', 'snapshot', 'demo']) {
      // Both recorders ran script in the window; plain rrweb kept events, Reprise uploaded acknowledged batches.
      expect(metric(r, `${w}ScriptRrweb`), w).toBeGreaterThan(0);
      expect(metric(r, `${w}ScriptReprise`), w).toBeGreaterThan(0);
      expect(metric(r, `${w}TaskReprise`), w).toBeGreaterThanOrEqual(metric(r, `${w}ScriptReprise`) * 0.5);
      expect(metric(r, `${w}EventsRrweb`), w).toBeGreaterThan(0);
      expect(metric(r, `${w}EventsReprise`), w).toBeGreaterThan(0);
      expect(metric(r, `${w}BatchesReprise`), w).toBeGreaterThan(0);
      expect(metric(r, `${w}RatioScript`), w).toBeGreaterThan(0);
      expect(metric(r, `${w}HeapReprise`), w).toBeGreaterThan(0);
    }
    // The snapshot window starts the recorder: loading it and taking the snapshot is real work.
    expect(metric(r, 'snapshotScriptRrweb')).toBeGreaterThan(metric(r, 'snapshotScriptNone'));
    // Every window ran without page errors (other than the demo's deliberate one) or recorder errors.
    expect(r.notes.filter((n) => n.startsWith('Problem:'))).toEqual([]);
    expect(r.notes.some((n) => /compression in a Worker in (\d+) of \1 measured windows/.test(n))).toBe(true);
    // The profiled snapshot windows were attributed through the bundles' source maps (an unmapped
    // frame shows as "<script> (script top level)"). Which mapped areas make the top of a tiny
    // window depends on sampling: rrweb bundled in the SDK, or one of Reprise's own files.
    const prof = r.notes.find((n) => n.startsWith('Initial snapshot of a 1000-node page:'))!;
    expect(prof).toMatch(/Plain rrweb window \d+ ms sampled: .*rrweb \(record, snapshot, observers\)/);
    const repriseWindow = prof.slice(prof.indexOf('Reprise window'), prof.indexOf('Plain rrweb window'));
    expect(repriseWindow).toMatch(/^Reprise window \d+ ms sampled: .*(rrweb \(record, snapshot, observers\)|Reprise [a-z/-]+\.ts)/);
  }, 180_000);

  it("maps the SDK bundle's sources to rrweb and Reprise's own files, and the codec chunk's to fflate", () => {
    const areasOf = (file: string) => new Set(new SourceMapIndex(readFileSync(`${file}.map`, 'utf8')).sources.map(areaOfSource));
    const areas = areasOf(RECORDER_BUNDLE);
    for (const area of [RRWEB_AREA, 'Reprise transport/transport.ts', 'Reprise dom/rrweb-adapter.ts', 'Reprise protocol']) {
      expect(areas).toContain(area);
    }
    // fflate comes with the lazily loaded codec (reprise-codec.<hash>.js), not in the first load.
    expect(areas).not.toContain('fflate (synchronous compression)');
    const dir = path.dirname(RECORDER_BUNDLE);
    const codec = readdirSync(dir).find((f) => /^reprise-codec\.[A-Z0-9]+\.js$/.test(f));
    expect(codec).toBeDefined();
    expect(areasOf(path.join(dir, codec!))).toContain('fflate (synchronous compression)');
  });
});
