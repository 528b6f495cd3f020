import { describe, expect, it } from 'vitest';
import { SUFFIX, UPLOADERS } from '../lib/peers-metrics.js';
import { PEERS } from '../lib/peers-recorders.js';
import { metric as metricOf, type BenchResult } from '../lib/results.js';
import { peersOptions, runPeers } from '../peers.js';

// Smoke mode, one tiny workload (50 nested elements), one window per recorder: Reprise, plain
// rrweb, Sentry Replay (default and limit raised), PostHog and OpenReplay, each uploading to its
// local sink. Nothing is written to bench/results.
const metric = (r: BenchResult, key: string): number => metricOf(r, key).median;

describe('peers benchmark in smoke mode', () => {
  it('runs every recorder, and every sink receives and counts its uploads', async () => {
    const r = await runPeers({ ...peersOptions({ smoke: true, command: 'vitest smoke' }), only: ['nested'] });
    expect(r.name).toBe('peers');
    expect(r.runs).toBe(1);
    expect(r.machine.chromium).toMatch(/\d+\./);
    expect(r.options.sentryVersion).toMatch(/^@sentry\/browser \d+\./);
    expect(r.options.posthogVersion).toMatch(/^posthog-js \d+\./);
    expect(r.options.openreplayVersion).toMatch(/^@openreplay\/tracker \d+\./);
    for (const p of PEERS) expect(metric(r, `nestedScript${SUFFIX[p]}`), p).toBeGreaterThan(0);
    for (const p of UPLOADERS) {
      // The sink counted bytes of the window's uploads, and the recorder still recorded after it.
      expect(metric(r, `nestedKB${SUFFIX[p]}`), p).toBeGreaterThan(0);
      expect(metric(r, `nestedRecording${SUFFIX[p]}`), p).toBe(1);
      if (p !== 'reprise') expect(metric(r, `nestedRatioKB${SUFFIX[p]}`), p).toBeGreaterThan(0);
    }
    // What Sentry and PostHog uploaded, read back from their sinks' bytes, holds every DOM change plain rrweb recorded.
    const changes = metric(r, 'nestedChangesRrweb');
    expect(changes).toBeGreaterThanOrEqual(50);
    for (const p of ['Sentry', 'SentryRaised', 'Posthog']) expect(metric(r, `nestedChanges${p}`), p).toBe(changes);
    // Script sizes: PostHog's include the recorder it loaded lazily from its sink.
    for (const p of PEERS) expect(metric(r, `bundleKB${SUFFIX[p]}`), p).toBeGreaterThan(10);
    expect(r.notes.find((n) => n.startsWith('Scripts loaded'))).toMatch(
      /PostHog [\d.]+ KB \(bundle [\d.]+ KB \+ lazily loaded lazy-recorder\.js/,
    );
    expect(r.notes.filter((n) => n.startsWith('Problem:'))).toEqual([]);
  }, 240_000);
});
