import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { ReplayBuffer } from '../src/buffer.js';

const dom = (t: number, type: number): ReplayEvent => ({ t, kind: 'dom', data: { type, timestamp: t, data: {} } });
const con = (t: number): ReplayEvent => ({ t, kind: 'console', data: { level: 'log', args: [] } });

function setup(bufferMs: number, maxBytes = 1e9) {
  let now = 0;
  let snapshots = 0;
  const b = new ReplayBuffer({ bufferMs, maxBytes, now: () => now, requestSnapshot: () => snapshots++ });
  const add = (e: ReplayEvent): void => {
    now = Math.max(now, e.t);
    b.add(e, JSON.stringify(e));
  };
  return { b, add, setNow: (t: number) => (now = t), snapshots: () => snapshots };
}

const types = (json: string[]): Array<[number, string, number?]> =>
  json.map((j) => JSON.parse(j) as ReplayEvent).map((e) => [e.t, e.kind, (e.data as { type?: number }).type]);

describe('ReplayBuffer', () => {
  it('keeps the segments covering the last bufferMs, starting at a full snapshot', () => {
    const { b, add } = setup(4000);
    add(con(0)); // before the first snapshot: headless, dropped once a snapshot exists
    for (let t = 0; t <= 10_000; t += 2000) {
      add(dom(t + 1, 4));
      add(dom(t + 1, 2));
      add(dom(t + 500, 3));
      add(con(t + 900));
    }
    // now = 10_900: window starts at 6_900. Segment 6_001 starts before it, so 4_001 is not needed… but 6_001 is kept.
    const out = types(b.drain());
    expect(out[0]).toEqual([6001, 'dom', 4]);
    expect(out[1]).toEqual([6001, 'dom', 2]);
    expect(out[out.length - 1]).toEqual([10_900, 'console', undefined]);
    expect(b.size).toBe(0);
  });

  it('never exceeds its byte cap and asks for a new snapshot when one segment is too big', () => {
    const { b, add, snapshots } = setup(60_000, 2000);
    add(dom(1, 4));
    add(dom(1, 2));
    for (let t = 2; t < 200; t++) add(con(t));
    expect(snapshots()).toBeGreaterThan(0);
    expect(b.size).toBeLessThanOrEqual(4000);
    add(dom(300, 4));
    add(dom(300, 2));
    add(con(301));
    expect(b.size).toBeLessThanOrEqual(2000);
    expect(types(b.drain())[0]).toEqual([300, 'dom', 4]);
  });
});
