import { describe, expect, it } from 'vitest';
import { htmlExportOptions, runHtmlExport } from '../html-export.js';
import { metric } from '../lib/results.js';

// Smoke mode: one demo checkout recorded and exported; nothing is written to bench/results.
describe('html-export benchmark in smoke mode', () => {
  it('measures the exported file against the stored bytes and the raw JSON of the same session', async () => {
    const r = await runHtmlExport(htmlExportOptions({ smoke: true, command: 'vitest smoke' }));
    expect(r.name).toBe('html-export');
    expect(r.runs).toBe(1);
    expect(r.machine.chromium).toMatch(/\d+\./);
    for (const m of r.metrics) {
      expect(Number.isFinite(m.median), m.key).toBe(true);
      expect(m.median, m.key).toBeGreaterThan(0);
    }
    // The file holds the bundle and the events: larger than either, and larger than what is stored compressed.
    expect(metric(r, 'fileKB').median).toBeGreaterThan(metric(r, 'bundleKB').median);
    expect(metric(r, 'fileKB').median).toBeGreaterThan(metric(r, 'jsonKB').median);
    expect(metric(r, 'ratioStored').median).toBeGreaterThan(1);
  }, 180_000);
});
