import { record } from '@rrweb/record';
import type { eventWithTime } from '@rrweb/types';
import type { DomEvent } from '@reprise/protocol';

/**
 * DOM capture behind our own small interface so rrweb can be swapped or
 * upgraded without touching the rest of the recorder.
 */
export interface DomCaptureOptions {
  maskAllInputs: boolean;
  blockSelector: string;
  maskTextSelector: string;
  /** A fresh full snapshot this often, so the player can seek without replaying from the start. */
  checkoutEveryNms: number;
  onEvent(event: DomEvent): void;
  onError(err: unknown): void;
}

export interface DomCapture {
  /** Delivers pending events, then stops rrweb. */
  stop(): void;
  /**
   * Delivers the events held back after a full snapshot now (see startDomCapture). Call it
   * before anything that cuts, sends or hands over what was captured so far.
   */
  flushPending(): void;
  /** Emits a new full snapshot (used when a new session starts on a live page). */
  takeFullSnapshot(): void;
  /** rrweb mirror id of a recorded node, or undefined when the node isn't (yet) recorded. */
  nodeId(node: Node): number | undefined;
}

type RecordOptions = NonNullable<Parameters<typeof record<eventWithTime>>[0]>;

// rrweb's EventType.Meta and EventType.FullSnapshot: takeFullSnapshot emits Meta, then the snapshot.
const META = 4;
const FULL_SNAPSHOT = 2;
/** Held-back events beyond this are delivered at once: the queue never grows without bound. */
const MAX_HELD = 1000;

/**
 * Starts rrweb; returns null (and reports) if it cannot start, so recording just stays off.
 *
 * rrweb serializes a full snapshot synchronously, in the task that asked for it: on a large
 * page that task is already long, and it is rrweb's own. Our handling of the snapshot (JSON
 * of the whole tree, cutting and compressing a batch) must not make it longer, so from a Meta
 * event on, DOM events are held and delivered, in order, in the next task.
 */
export function startDomCapture(opts: DomCaptureOptions): DomCapture | null {
  let held: DomEvent[] = [];
  let scheduled = false;
  const deliver = (ev: DomEvent): void => {
    try {
      opts.onEvent(ev);
    } catch (err) {
      opts.onError(err);
    }
  };
  const flushPending = (): void => {
    scheduled = false;
    while (held.length > 0) {
      const batch = held;
      held = [];
      for (const ev of batch) deliver(ev);
    }
  };
  const rrwebOptions: RecordOptions = {
    emit: (e) => {
      try {
        // rrweb events travel unchanged; t is rrweb's own timestamp.
        const ev: DomEvent = { t: e.timestamp, kind: 'dom', data: e };
        if (held.length === 0 && e.type !== META && e.type !== FULL_SNAPSHOT) return deliver(ev);
        held.push(ev);
        if (held.length > MAX_HELD) flushPending();
        else if (!scheduled) {
          scheduled = true;
          setTimeout(flushPending, 0);
        }
      } catch (err) {
        opts.onError(err);
      }
    },
    maskAllInputs: opts.maskAllInputs,
    // Passwords are masked whatever maskAllInputs says.
    maskInputOptions: { password: true },
    blockSelector: opts.blockSelector,
    maskTextSelector: opts.maskTextSelector,
    checkoutEveryNms: opts.checkoutEveryNms,
    // Start at DOMContentLoaded rather than rrweb's default of window load (images may take long).
    recordAfter: 'DOMContentLoaded',
    sampling: { mousemove: 50, scroll: 150, media: 800, input: 'last' },
    slimDOMOptions: { script: true, comment: true },
    recordCanvas: false,
    collectFonts: false,
    inlineImages: false,
    // rrweb calls this for errors inside its observers; returning true swallows them.
    errorHandler: (err: unknown) => {
      opts.onError(err);
      return true;
    },
  };
  let stopRecord: (() => void) | undefined;
  try {
    stopRecord = record<eventWithTime>(rrwebOptions);
  } catch (err) {
    opts.onError(err);
  }
  if (!stopRecord) {
    // Not recording after all: what rrweb emitted before failing is not delivered.
    held = [];
    return null;
  }
  const stop = stopRecord;
  return {
    stop() {
      flushPending();
      try {
        stop();
      } catch (err) {
        opts.onError(err);
      }
    },
    flushPending,
    takeFullSnapshot() {
      try {
        record.takeFullSnapshot();
      } catch (err) {
        opts.onError(err);
      }
    },
    nodeId(node) {
      try {
        const id = record.mirror.getId(node);
        return id > 0 ? id : undefined;
      } catch (err) {
        opts.onError(err);
        return undefined;
      }
    },
  };
}
