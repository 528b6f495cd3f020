import { describe, expect, it } from 'vitest';
import { otlpOptions, runOtlp } from '../otlp.js';
import { metric } from '../lib/results.js';

describe('otlp benchmark in smoke mode', () => {
  it('stores every span and reports ingest, the decode floor and their ratio', async () => {
    const r = await runOtlp(otlpOptions({ smoke: true, command: 'vitest smoke' }));
    expect(r.runs).toBe(1);
    expect(r.options.requests).toBe(4);
    expect(metric(r, 'spansPerS').median).toBeGreaterThan(0);
    expect(metric(r, 'floorSpansPerS').median).toBeGreaterThan(0);
    const ratio = metric(r, 'ratio').median;
    expect(Number.isFinite(ratio)).toBe(true);
    expect(ratio).toBeGreaterThan(0);
  });
});
