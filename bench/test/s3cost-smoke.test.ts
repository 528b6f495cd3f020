import { describe, expect, it } from 'vitest';
import { runS3cost, s3costOptions } from '../s3cost.js';
import { metric } from '../lib/results.js';

describe('s3cost benchmark in smoke mode', () => {
  it('counts S3 requests and CPU per batch with packing off and on, and packing writes fewer objects', async () => {
    const r = await runS3cost(s3costOptions({ smoke: true, command: 'vitest smoke' }));
    expect(r.runs).toBe(1);
    expect(metric(r, 'offPutsPerMin').median).toBeGreaterThan(0);
    expect(metric(r, 'onPutsPerMin').median).toBeGreaterThan(0);
    // 50 sessions, a batch each within 5 s, a 250 ms window: packs hold more than one batch (a count, not a timing).
    expect(metric(r, 'putRatio').median).toBeLessThan(1);
    expect(metric(r, 'cpuRatio').median).toBeGreaterThan(0);
  }, 300_000);
});
