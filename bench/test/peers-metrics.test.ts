import { describe, expect, it } from 'vitest';
import type { PeerWindow } from '../lib/peers-measure.js';
import { rowFor } from '../lib/peers-metrics.js';
import { PEERS, type PeerName } from '../lib/peers-recorders.js';
import { SMOKE_SIZES, workloads } from '../lib/recorder-workloads.js';

const demo = workloads(SMOKE_SIZES).find((w) => w.key === 'demo')!;

function window(p: Partial<PeerWindow>): PeerWindow {
  return {
    wallMs: 2000,
    scriptMs: 10,
    taskMs: 20,
    longTaskMaxMs: 0,
    windowBytes: 1000,
    windowRequests: 1,
    sessionBytes: 4000,
    scriptedMs: 2000,
    waitMs: 1000,
    recording: 1,
    reason: '',
    changes: 12,
    pageErrors: [],
    ...p,
  };
}

describe('peers figures for the demo session', () => {
  it('divides the session bytes by the scripted time, not by the harness waits for each recorder’s uploads', () => {
    const f = Object.fromEntries(PEERS.map((p) => [p, window({})])) as Record<PeerName, PeerWindow>;
    // PostHog sends three times Reprise's bytes for the same script, but its upload timers keep the harness waiting 10 s.
    f.posthog = window({ sessionBytes: 12_000, scriptedMs: 2000, waitMs: 10_000 });
    const row = rowFor(demo, f);
    expect(row.demoKBPerMinReprise).toBeCloseTo(4 / (2 / 60));
    expect(row.demoKBPerMinPosthog).toBeCloseTo(12 / (2 / 60));
    expect(row.demoRatioKBPerMinPosthog).toBeCloseTo(1 / 3);
    expect(row.demoKBSessionPosthog).toBe(12);
    expect(row.demoWaitSPosthog).toBe(10);
    expect(row.demoScriptedSReprise).toBe(2);
  });
});
