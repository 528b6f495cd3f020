import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/** The parts of a CDP `Profiler.Profile` this reads. */
interface CdpProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Where the page's main thread spent a phase, in words a reader can act on. */
function areaOf(functionName: string, url: string): string | null {
  if (functionName === '(idle)') return null;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'browser work outside JS (style, layout, paint, parsing)';
  if (/\/assets\/replay-[^/]*\.js$/.test(url)) return "rrweb's Replayer (replay chunk)";
  if (/\/assets\/index-[^/]*\.js$/.test(url)) return 'viewer bundle (React, player, panels)';
  if (!url) return `DOM/native: ${functionName || '(anonymous)'}`;
  return 'other scripts (bench harness)';
}

/** A CPU profile of the page's main thread, one phase at a time. */
export class PhaseProfiler {
  private constructor(private readonly cdp: CDPSession) {}

  static async attach(context: BrowserContext, page: Page): Promise<PhaseProfiler> {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    return new PhaseProfiler(cdp);
  }

  async start(): Promise<void> {
    await this.cdp.send('Profiler.start');
  }

  /** Stops the phase: its non-idle main-thread time and the largest areas of it (ms, largest first). */
  async stop(top = 5): Promise<{ busyMs: number; areas: { area: string; ms: number }[] }> {
    const { profile } = (await this.cdp.send('Profiler.stop')) as unknown as { profile: CdpProfile };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const areas = new Map<string, number>();
    let busy = 0;
    (profile.samples ?? []).forEach((id, i) => {
      const f = byId.get(id)!.callFrame;
      const area = areaOf(f.functionName, f.url);
      if (area === null) return;
      const ms = (profile.timeDeltas?.[i] ?? 0) / 1000;
      busy += ms;
      areas.set(area, (areas.get(area) ?? 0) + ms);
    });
    return {
      busyMs: busy,
      areas: [...areas.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([area, ms]) => ({ area, ms })),
    };
  }

  detach(): Promise<void> {
    return this.cdp.detach();
  }
}

export function describePhase(name: string, p: { busyMs: number; areas: { area: string; ms: number }[] }): string {
  const parts = p.areas.map((a) => `${a.area} ${((a.ms / Math.max(p.busyMs, 1e-9)) * 100).toFixed(0)}%`);
  return `${name}: ${p.busyMs.toFixed(0)} ms of main-thread CPU (${parts.join(', ')})`;
}
