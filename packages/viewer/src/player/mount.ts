/**
 * The browser's replayer for the playback controller: rrweb's Replayer mounted in the player's
 * node, with the viewer's patches.
 *
 * Safety: rrweb builds its own iframe sandboxed with only `allow-same-origin` (no
 * `allow-scripts`) as long as UNSAFE_replayCanvas stays false, so recorded scripts never run.
 * Canvas frames are drawn by the viewer instead (replay-hygiene.ts).
 */
import type { Replayer } from '@rrweb/replay';
import type { SketchPoint } from '@reprise/protocol';
import { copyMutationsOnApply } from './mutationCopies';
import { elementAt, elementBox, type PickedElement } from './pickElement';
import { attachReplayHygiene } from './replay-hygiene';
import type { ReplayModule } from './rrweb';
import { deferSeekScrolls } from './seekScrolls';
import type { RrwebEvent } from './timeline';

export interface ReplaySettings {
  speed: number;
  skipInactive: boolean;
}

/** A replayer the controller owns: created by a factory, destroyed through `destroy`. */
export interface MountedReplayer {
  replayer: Replayer;
  /** Applies the scrolls held back during the seek that just ran (seekScrolls.ts). */
  flushScrolls(): void;
  /** Detaches what was attached and destroys the replayer. */
  destroy(): void;
  /** The element under a page point of the frame on screen (comments name it). */
  elementAt?(p: SketchPoint): PickedElement | null;
  /** An element's box in page coordinates now, by rrweb node id. */
  elementBox?(nodeId: number): PickedElement['box'] | null;
}

/** Builds a replayer holding `events` (sorted); may throw (shown as the player's error). */
export type ReplayerFactory = (events: RrwebEvent[], settings: ReplaySettings) => MountedReplayer;

export function browserReplayer(rrweb: ReplayModule, root: HTMLElement): ReplayerFactory {
  return (events, settings) => {
    const replayer = new rrweb.Replayer(events, {
      root,
      UNSAFE_replayCanvas: false,
      triggerFocus: false,
      mouseTail: true,
      showWarning: false,
      // Seeking applies the events since the last snapshot at once; rrweb's virtual DOM for that
      // copies and diffs the whole page on every seek. Without it, and with the seek's scrolls
      // applied once (seekScrolls.ts), seeks on the 1500-node page of bench/replay.ts were
      // several times faster.
      useVirtualDom: false,
      speed: settings.speed,
      skipInactive: settings.skipInactive,
    });
    // rrweb edits mutations as it applies them: each application gets its own copy.
    copyMutationsOnApply(replayer);
    // Canvas frames and placeholders for unrecorded frames, drawn without scripts in the sandbox.
    const detachHygiene = attachReplayHygiene(replayer);
    const scrolls = deferSeekScrolls(replayer);
    // Tests and diagnostics read the replayer on screen.
    window.__repriseReplayer = replayer;
    return {
      replayer,
      flushScrolls: () => scrolls.flush(),
      elementAt: (p) => elementAt(replayer, p),
      elementBox: (nodeId) => elementBox(replayer, nodeId),
      destroy() {
        if (window.__repriseReplayer === replayer) delete window.__repriseReplayer;
        detachHygiene();
        replayer.destroy();
      },
    };
  };
}
