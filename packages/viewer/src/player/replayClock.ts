/**
 * The player's clock against rrweb's. Player offsets count from the session's start (the first
 * snapshot's Meta); rrweb counts from the first event it holds, which range loading moves as
 * earlier windows arrive, so every call converts through epoch ms.
 */
import { useCallback, useRef, type RefObject } from 'react';
import type { Replayer } from '@rrweb/replay';
import { settleFrontier } from './playedFrontier';
import type { SeekScrolls } from './seekScrolls';
import { endSkip } from './skipState';
import type { RrwebEvent } from './timeline';

/** rrweb EventType.FullSnapshot. */
const RRWEB_FULL_SNAPSHOT = 2;

export function useReplayClock(scrolls: RefObject<SeekScrolls | null>) {
  /** Epoch ms of offset 0. */
  const startTime = useRef(0);
  /*
   * Epoch ms just past the earliest full snapshot the replayer holds: every offset handed to rrweb
   * is at least that. Before it, rrweb applies nothing yet resets its node mirror, and keeps the
   * previously played event as "already applied": the iframe would keep showing a later state, and
   * events added while parked there (live) would later be skipped or fail to find their parent nodes.
   */
  const floor = useRef(Infinity);

  /** Lowers the floor when earlier full snapshots arrive. */
  const noteSnapshots = useCallback((events: RrwebEvent[]) => {
    for (const e of events) if (e.type === RRWEB_FULL_SNAPSHOT && e.timestamp + 1 < floor.current) floor.current = e.timestamp + 1;
  }, []);

  /** Starts over for a new replayer holding `events`. */
  const reset = useCallback((start: number, events: RrwebEvent[]) => {
    startTime.current = start;
    floor.current = Infinity;
    noteSnapshots(events);
  }, [noteSnapshots]);

  const toRrweb = useCallback((r: Replayer, ms: number) => Math.max(startTime.current + ms, floor.current) - r.getMetaData().startTime, []);
  const fromRrweb = useCallback((r: Replayer) => r.getMetaData().startTime + r.getCurrentTime() - startTime.current, []);

  /** Shows the moment `ms` (paused, or playing on from it); `past` ms more to include events at exactly that time. */
  const goTo = useCallback(
    (r: Replayer, ms: number, mode: 'pause' | 'play', past = 0) => {
      const offset = toRrweb(r, ms) + past;
      endSkip(r);
      if (mode === 'play') r.play(offset);
      else r.pause(offset);
      settleFrontier(r);
      scrolls.current?.flush();
    },
    [toRrweb, scrolls],
  );

  return { startTime, reset, noteSnapshots, fromRrweb, goTo };
}
