/**
 * Which stretches of a session's event log are loaded, as inclusive epoch-ms intervals
 * (±Infinity for open ends). An interval means every event with `from <= t <= to` has been
 * received, so a later response is de-duplicated by dropping events whose time is covered.
 */
export interface Range {
  from: number;
  to: number;
}

export class Coverage {
  /** Sorted, disjoint, non-adjacent intervals. */
  private parts: Range[] = [];

  has(t: number): boolean {
    return this.parts.some((p) => p.from <= t && t <= p.to);
  }

  covers(r: Range): boolean {
    return this.parts.some((p) => p.from <= r.from && r.to <= p.to);
  }

  /** The parts of `r` not covered yet, in order. */
  gaps(r: Range): Range[] {
    const out: Range[] = [];
    let from = r.from;
    for (const p of this.parts) {
      if (p.to < from) continue;
      if (p.from > r.to) break;
      if (p.from > from) out.push({ from, to: p.from });
      from = Math.max(from, p.to);
      if (from >= r.to) return out;
    }
    if (from < r.to || (from === r.to && !this.has(from))) out.push({ from, to: r.to });
    return out;
  }

  add(r: Range): void {
    if (!(r.from <= r.to)) return;
    const merged: Range[] = [];
    let cur = { ...r };
    for (const p of this.parts) {
      if (p.to < cur.from || p.from > cur.to) merged.push(p);
      else cur = { from: Math.min(cur.from, p.from), to: Math.max(cur.to, p.to) };
    }
    merged.push(cur);
    this.parts = merged.sort((a, b) => a.from - b.from);
  }

  /** Copies of the intervals, for tests and diagnostics. */
  ranges(): Range[] {
    return this.parts.map((p) => ({ ...p }));
  }
}
