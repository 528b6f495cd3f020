/**
 * The player's clock against rrweb's. Player offsets count from the session's start (the first
 * snapshot's Meta); rrweb counts from the first event it holds, which range loading moves as
 * earlier windows arrive, so every call converts through epoch ms.
 */
import type { Replayer } from '@rrweb/replay';
import { settleFrontier } from './playedFrontier';
import { endSkip } from './skipState';
import type { RrwebEvent } from './timeline';

/** rrweb EventType.FullSnapshot. */
const RRWEB_FULL_SNAPSHOT = 2;

export class ReplayClock {
  /** Epoch ms of offset 0. */
  startTime = 0;
  /*
   * Epoch ms just past the earliest full snapshot the replayer holds: every offset handed to rrweb
   * is at least that. Before it, rrweb applies nothing yet resets its node mirror, and keeps the
   * previously played event as "already applied": the iframe would keep showing a later state, and
   * events added while parked there (live) would later be skipped or fail to find their parent nodes.
   */
  private floor = Infinity;

  /** Lowers the floor when earlier full snapshots arrive. */
  noteSnapshots(events: readonly RrwebEvent[]): void {
    for (const e of events) if (e.type === RRWEB_FULL_SNAPSHOT && e.timestamp + 1 < this.floor) this.floor = e.timestamp + 1;
  }

  /** Starts over for a new replayer holding `events`. */
  reset(start: number, events: readonly RrwebEvent[]): void {
    this.startTime = start;
    this.floor = Infinity;
    this.noteSnapshots(events);
  }

  toRrweb(r: Replayer, ms: number): number {
    return Math.max(this.startTime + ms, this.floor) - r.getMetaData().startTime;
  }

  fromRrweb(r: Replayer): number {
    return r.getMetaData().startTime + r.getCurrentTime() - this.startTime;
  }

  /**
   * Shows the moment `ms` (paused, or playing on from it); `past` ms more to include events at
   * exactly that time. `flushScrolls` applies the scrolls the seek held back (seekScrolls.ts).
   */
  goTo(r: Replayer, ms: number, mode: 'pause' | 'play', flushScrolls: () => void, past = 0): void {
    const offset = this.toRrweb(r, ms) + past;
    endSkip(r);
    if (mode === 'play') r.play(offset);
    else r.pause(offset);
    settleFrontier(r);
    flushScrolls();
  }
}
