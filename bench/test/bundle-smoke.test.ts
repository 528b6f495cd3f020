import { describe, expect, it } from 'vitest';
import { bundleOptions, runBundle } from '../bundle.js';
import { metric } from '../lib/results.js';
import { renderMarkdown } from '../render.js';

// The built SDK measured as `npm run bench -- bundle` does; nothing is written to bench/results.
describe('bundle benchmark', () => {
  it('sizes the first load, the chunks and the loader against rrweb bundled the same way, part by part', async () => {
    const r = await runBundle(bundleOptions({ smoke: true, command: 'vitest smoke' }));
    expect(r.name).toBe('bundle');
    for (const m of r.metrics) expect(m.median, m.key).toBeGreaterThan(0);
    const first = metric(r, 'firstLoadKB').median;
    expect(metric(r, 'ratioFirstLoad').median).toBeCloseTo(first / metric(r, 'rrwebKB').median, 6);
    expect(metric(r, 'totalKB').median).toBeGreaterThan(first);
    // The parts of reprise.js add up to the file (raw bytes from the metafile, gzip shares to its gzip size).
    const rows = r.tables![0]!.rows.filter((row) => row[1] === 'reprise.js');
    const share = rows.reduce((n, row) => n + Number(row[3]), 0);
    expect(share).toBeGreaterThan(first * 0.97);
    expect(share).toBeLessThan(first * 1.03);
    const parts = rows.map((row) => row[0]);
    expect(parts).toContain('rrweb (@rrweb/record, patched)');
    expect(parts).not.toContain('fflate');
    expect(r.tables![0]!.rows.some((row) => row[0] === 'static dictionary r1' && row[1].startsWith('reprise-codec'))).toBe(true);
    expect(renderMarkdown([r])).toContain('Where the bytes go');
  });
});
