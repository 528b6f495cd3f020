import { gzipBytes, repriseLoader } from './peers-bundles.js';
import { SUFFIX } from './peers-metrics.js';
import { PEER_SPECS, PEERS, type PeerName } from './peers-recorders.js';
import type { MetricSpec } from './results.js';

/** What the page must load for always-on recording, gzipped, per recorder. */
export interface BundleSizes {
  /** Gzipped bytes per recorder. */
  gz: Record<PeerName, number>;
  /** What each figure is made of, in words. */
  parts: Record<PeerName, string>;
  /** Reprise's on-demand loader, gzipped (not part of an always-on install). */
  loaderGz: number;
  specs: MetricSpec[];
  /** The same for every run: sizes do not vary. */
  row: Record<string, number>;
}

const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;

/**
 * Gzip (level 9) sizes of the scripts each recorder's always-on install loads: Reprise's
 * /sdk/reprise.js (its compression Worker is inlined); the esbuild bundles of the others
 * (Sentry's and OpenReplay's compression workers are inlined in their packages), and for
 * PostHog also the scripts it loaded lazily from the sink during the run (its recorder).
 */
export function bundleSizes(
  bundles: Map<string, string>,
  statics: Map<string, string>,
  sdk: Buffer,
  posthogServed: Set<string>,
): BundleSizes {
  const gz = {} as Record<PeerName, number>;
  const parts = {} as Record<PeerName, string>;
  for (const p of PEERS) {
    if (p === 'reprise') {
      gz[p] = gzipBytes(sdk);
      parts[p] = `reprise.js ${kb(gz[p])}`;
      continue;
    }
    const file = `${p === 'sentryRaised' ? 'sentry' : p}.js`;
    const main = gzipBytes(bundles.get(file)!);
    gz[p] = main;
    parts[p] = `bundle ${kb(main)}`;
    if (p === 'posthog') {
      for (const f of [...posthogServed].sort()) {
        const code = statics.get(f);
        if (code === undefined) continue;
        const n = gzipBytes(code);
        gz[p] += n;
        parts[p] += ` + lazily loaded ${f} ${kb(n)}`;
      }
    }
  }
  const specs: MetricSpec[] = [];
  const row: Record<string, number> = {};
  for (const p of PEERS) {
    specs.push({
      key: `bundleKB${SUFFIX[p]}`,
      label: `Scripts loaded for always-on recording (gzip), ${PEER_SPECS[p].label}`,
      unit: 'KB',
      role: p === 'reprise' ? 'reprise' : 'baseline',
    });
    row[`bundleKB${SUFFIX[p]}`] = gz[p] / 1000;
  }
  for (const p of PEERS.filter((x) => x !== 'reprise' && x !== 'sentryRaised')) {
    specs.push({
      key: `bundleRatio${SUFFIX[p]}`,
      label: `Reprise / ${PEER_SPECS[p].label}, scripts loaded (gzip)`,
      unit: 'ratio',
      role: 'ratio',
    });
    row[`bundleRatio${SUFFIX[p]}`] = gz.reprise / gz[p];
  }
  return { gz, parts, loaderGz: gzipBytes(repriseLoader()), specs, row };
}
