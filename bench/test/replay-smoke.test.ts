import { describe, expect, it } from 'vitest';
import { replayOptions, runReplay } from '../replay.js';
import { metric } from '../lib/results.js';

// Smoke mode: a 3-minute session (6 seeks per player) and a 5-minute one in place of the 3-hour
// session (4 seeks), one run; nothing is written to bench/results.
describe('replay benchmark in smoke mode', () => {
  it('shows the first frame and every seek target by content, in the viewer and in the baseline', async () => {
    const r = await runReplay(replayOptions({ smoke: true, command: 'vitest smoke' }));
    expect(r.name).toBe('replay');
    expect(r.runs).toBe(1);
    expect(r.options.durationMin).toBe(3);
    expect(r.machine.chromium).toMatch(/\d+\./);
    for (const m of r.metrics) {
      expect(Number.isFinite(m.median), m.key).toBe(true);
      expect(m.min, m.key).toBeLessThanOrEqual(m.max);
    }
    // Every seek showed the frame the recording had at that moment (checked by #clock's text).
    expect(metric(r, 'seekFailures').median).toBe(0);
    expect(r.notes.filter((n) => n.includes('seek to'))).toEqual([]);
    for (const k of ['repriseFirstFrameMs', 'baselineFirstFrameMs', 'repriseSeekP50Ms', 'baselineSeekP50Ms']) {
      expect(metric(r, k).median, k).toBeGreaterThan(0);
      expect(metric(r, k).median, k).toBeLessThan(15_000);
    }
    expect(metric(r, 'repriseSeekP95Ms').median).toBeGreaterThanOrEqual(metric(r, 'repriseSeekP50Ms').median);
    expect(metric(r, 'ratioFirstFrame').median).toBeGreaterThan(0);
    // The viewer read a window before its first frame; the baseline read the whole session.
    expect(metric(r, 'repriseFirstFrameKB').median).toBeGreaterThan(0);
    expect(metric(r, 'repriseFirstFrameKB').median).toBeLessThan(metric(r, 'baselineFirstFrameKB').median);
    expect(metric(r, 'sessionMinutes').median).toBeCloseTo(3, 0);
    expect(metric(r, 'fullSnapshots').median).toBeGreaterThanOrEqual(1);
    // The long session: opened and seeked by content too, its heap sampled.
    expect(r.options.longDurationMin).toBe(5);
    expect(metric(r, 'longSeekFailures').median).toBe(0);
    expect(r.notes.filter((n) => n.includes('long-session seek'))).toEqual([]);
    expect(metric(r, 'longSessionMinutes').median).toBeCloseTo(5, 0);
    for (const k of ['longFirstFrameMs', 'longSeekP95Ms', 'longEndSeekP95Ms']) {
      expect(metric(r, k).median, k).toBeGreaterThan(0);
      expect(metric(r, k).median, k).toBeLessThan(15_000);
    }
    for (const k of ['reprisePeakHeapMB', 'baselinePeakHeapMB', 'longPeakHeapMB']) expect(metric(r, k).median, k).toBeGreaterThan(1);
    expect(metric(r, 'longRetainedHeapMB').median).toBeLessThanOrEqual(metric(r, 'longPeakHeapMB').median);
    expect(r.notes.some((n) => /^Target: 5-minute session, peak JS heap at most 300 MB/.test(n))).toBe(true);
  }, 180_000);
});
