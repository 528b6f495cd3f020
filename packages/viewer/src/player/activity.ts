/**
 * The activity strip under the scrub bar: where the user was active (rrweb's user-interaction
 * events, as its skip-inactive counts them, binned along the session) and where errors, requests
 * and comments are. Positions are fractions of the session (0..1).
 */
import type { RrwebEvent } from './timeline';

const RRWEB_INCREMENTAL = 3;
/** rrweb IncrementalSource: mouse move, mouse interaction, scroll, viewport resize, input, touch move, drag, selection. */
const USER_SOURCES = new Set([1, 2, 3, 4, 5, 6, 12, 14]);

/** Bins of the strip: a run of active bins is drawn as one stretch. */
export const ACTIVITY_BINS = 240;

export interface ActivityStrip {
  /** Stretches with user activity, as [from, to) fractions. */
  active: [number, number][];
  errors: number[];
  requests: number[];
  comments: number[];
}

export interface ActivityInput {
  dom: RrwebEvent[];
  /** Epoch ms of offset 0. */
  startTime: number;
  durationMs: number;
  /** Offsets (ms) of errors: JS errors, failed and 4xx/5xx requests. */
  errorOffsets: number[];
  requestOffsets: number[];
  commentOffsets: number[];
}

/** Whether an rrweb event is the user doing something (not the page changing by itself). */
export function isUserActivity(e: RrwebEvent): boolean {
  if (e.type !== RRWEB_INCREMENTAL) return false;
  const source = (e.data as { source?: unknown } | null)?.source;
  return typeof source === 'number' && USER_SOURCES.has(source);
}

export function activityStrip(input: ActivityInput, bins = ACTIVITY_BINS): ActivityStrip {
  const { durationMs } = input;
  if (!(durationMs > 0)) return { active: [], errors: [], requests: [], comments: [] };
  const frac = (ms: number) => Math.max(0, Math.min(1, ms / durationMs));
  const on = new Uint8Array(bins);
  for (const e of input.dom) {
    if (!isUserActivity(e)) continue;
    on[Math.min(bins - 1, Math.floor(frac(e.timestamp - input.startTime) * bins))] = 1;
  }
  const active: [number, number][] = [];
  for (let i = 0; i < bins; i++) {
    if (!on[i]) continue;
    const last = active[active.length - 1];
    if (last && last[1] === i / bins) last[1] = (i + 1) / bins;
    else active.push([i / bins, (i + 1) / bins]);
  }
  // Many requests at one spot draw as one tick: one per bin is enough to see where they are.
  const ticks = (offsets: number[]) => [...new Set(offsets.map((o) => Math.round(frac(o) * bins * 2) / (bins * 2)))].sort((a, b) => a - b);
  return {
    active,
    errors: ticks(input.errorOffsets),
    requests: ticks(input.requestOffsets),
    comments: [...new Set(input.commentOffsets.map(frac))].sort((a, b) => a - b),
  };
}
