/** Summary statistics over repeated measurements. */

export interface Summary {
  median: number;
  min: number;
  max: number;
}

function sorted(xs: readonly number[]): number[] {
  if (xs.length === 0) throw new Error('no samples');
  return [...xs].sort((a, b) => a - b);
}

/** Nearest-rank percentile (p in [0, 100]) of the samples. */
export function percentile(xs: readonly number[], p: number): number {
  const s = sorted(xs);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

/** Median (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  const s = sorted(xs);
  return { median: median(s), min: s[0]!, max: s[s.length - 1]! };
}

export function sum(xs: readonly number[]): number {
  let t = 0;
  for (const x of xs) t += x;
  return t;
}
