import { record } from '@rrweb/record';
import type { eventWithTime } from '@rrweb/types';
import type { DomEvent } from '@reprise/protocol';
import { isOwnUiMutation } from '../ui/host.js';
import type { CanvasOptions } from '../options.js';
import { canvasFilter } from './canvas.js';

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
  /** Redacts the page URL rrweb puts in its Meta events (`data.href`). */
  redactUrl(url: string): string;
  /** Canvas pixels: off, every visible canvas, or only marked ones (see canvas.ts). */
  canvas: CanvasOptions;
  /**
   * Cross-origin frames: 'accept' (the top page: frames whose recorder reports to this one,
   * frames.ts), 'report' (a frame whose events go to the recording parent page by
   * postMessage; onEvent is never called), 'off' (a frame recording on its own).
   */
  crossOrigin: 'accept' | 'report' | 'off';
  /** Most mutation records one MutationObserver callback may hold; a larger burst becomes a full snapshot. */
  mutationLimit: number;
  /** A burst of `records` passed mutationLimit: it is not recorded, a full snapshot follows (the caller says so in the session). */
  onBurst(records: number): void;
  /** After each full snapshot this page takes (initial, checkout, asked for). */
  onSnapshot?(): void;
  onEvent(event: DomEvent): void;
  onError(err: unknown): void;
}

/** How the initial full snapshot went (reported by the patched rrweb, see rrweb-patches.mjs). */
export interface InitialSnapshot {
  /** Tasks it took: 1 when it fit in one slice. */
  tasks: number;
  /** Something it had serialized changed while it was sliced, so rrweb's synchronous snapshot was taken instead. */
  retaken: boolean;
}

export interface DomCapture {
  /** Delivers pending events, then stops rrweb. */
  stop(): void;
  /**
   * Delivers the events held back after a full snapshot now (see startDomCapture). Call it
   * before anything that cuts, sends or hands over what was captured so far.
   */
  flushPending(): void;
  /** Starts a new full snapshot, emitted once complete (sliced on a large page); none while one is in progress. */
  takeFullSnapshot(): void;
  /** Puts an rrweb custom event on the DOM timeline (state rrweb itself does not record). */
  addCustom(tag: string, payload: unknown): void;
  /** rrweb mirror id of a recorded node, or undefined when the node isn't (yet) recorded. */
  nodeId(node: Node): number | undefined;
  /** The initial snapshot's report, or null while it is still being taken. */
  initialSnapshot(): InitialSnapshot | null;
}

/** The option the patched rrweb reads to slice its full snapshots (rrweb-patches.mjs). */
interface SnapshotSlicing {
  budgetMs: number;
  isOwnMutation(r: MutationRecord): boolean;
  /** After each sliced snapshot: the initial one, then checkouts (`checkout` true) and snapshots asked for. */
  onDone(report: InitialSnapshot & { checkout: boolean }): void;
  onError(err: unknown): void;
}
type RecordOptions = NonNullable<Parameters<typeof record<eventWithTime>>[0]> & {
  repriseSlicing?: SnapshotSlicing;
  /** Read by the patched rrweb (rrweb-patches.mjs, change 3): false leaves a canvas out. */
  repriseCanvasFilter?: (canvas: HTMLCanvasElement) => boolean;
  /** Read by the patched rrweb (rrweb-patches/bursts.mjs): true means rrweb leaves these records alone. */
  repriseMutationGate?: (records: MutationRecord[]) => boolean;
};

// rrweb's EventType.Meta and EventType.FullSnapshot: takeFullSnapshot emits Meta, then the snapshot.
const META = 4;
const FULL_SNAPSHOT = 2;
/** Held-back events beyond this are delivered at once: the queue never grows without bound. */
const MAX_HELD = 1000;
/**
 * Main-thread time per slice of a full snapshot (the initial one, checkouts, a new session's).
 * A page that serializes within it is snapshotted in one task, as by plain rrweb; a larger one
 * continues in later tasks, so no task is long enough to freeze the page (a 50k-node page:
 * ~300–400 ms in one task otherwise).
 */
const SLICE_BUDGET_MS = 30;

function redactMetaHref(e: eventWithTime, redactUrl: (url: string) => string): void {
  const data = e.data as { href?: unknown } | null;
  if (data && typeof data.href === 'string') data.href = redactUrl(data.href);
}

/**
 * Starts rrweb; returns null (and reports) if it cannot start, so recording just stays off.
 *
 * rrweb emits a full snapshot in the task that completes it (on a large page, several tasks
 * after the one that asked for it: see SLICE_BUDGET_MS). Our handling of the snapshot (JSON of
 * the whole tree, cutting and compressing a batch) must not make that task longer, so from a
 * Meta event on, DOM events are held and delivered, in order, in the next task.
 */
export function startDomCapture(opts: DomCaptureOptions): DomCapture | null {
  let held: DomEvent[] = [];
  let initial: InitialSnapshot | null = null;
  let scheduled = false;
  // rrweb's stop() leaves timers behind (buffered mouse positions are emitted up to 500 ms
  // later): nothing it emits after stop belongs to the recording.
  let stopped = false;
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
  const emit = (e: eventWithTime): void => {
    if (stopped) return;
    try {
      // rrweb events travel unchanged, except the page URL of Meta events (tokens in its query
      // or fragment); t is rrweb's own timestamp.
      if (e.type === META) redactMetaHref(e, opts.redactUrl);
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
  };
  // A burst's snapshot is on its way: later bursts until it is done are covered by it.
  let burstSnapshotPending = false;
  const gate = (records: MutationRecord[]): boolean => {
    if (stopped || records.length <= opts.mutationLimit) return false;
    try {
      if (!burstSnapshotPending) {
        burstSnapshotPending = true;
        opts.onBurst(records.length);
        // From inside rrweb's mutation callback, as rrweb's own checkouts are. A snapshot already
        // in progress stands for it (it is retaken if the burst touched what it serialized).
        record.takeFullSnapshot();
      }
    } catch (err) {
      opts.onError(err);
    }
    return true;
  };
  const onDone = ({ tasks, retaken }: InitialSnapshot): void => {
    burstSnapshotPending = false;
    if (initial === null) initial = { tasks, retaken };
    if (opts.onSnapshot) {
      try {
        opts.onSnapshot();
      } catch (err) {
        opts.onError(err);
      }
    }
  };
  let stopRecord: (() => void) | undefined;
  try {
    stopRecord = record<eventWithTime>(recordOptions(opts, emit, onDone, gate) as Parameters<typeof record<eventWithTime>>[0]);
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
      stopped = true;
      held = [];
    },
    flushPending,
    initialSnapshot: () => initial,
    ...controls(opts.onError),
  };
}

/** rrweb's options: what it records and masks, how it samples, and our snapshot slicing. */
function recordOptions(
  opts: DomCaptureOptions,
  emit: (e: eventWithTime) => void,
  onDone: (report: InitialSnapshot) => void,
  gate: (records: MutationRecord[]) => boolean,
): RecordOptions {
  return {
    emit,
    maskAllInputs: opts.maskAllInputs,
    // Passwords are masked whatever maskAllInputs says.
    maskInputOptions: { password: true },
    blockSelector: opts.blockSelector,
    maskTextSelector: opts.maskTextSelector,
    checkoutEveryNms: opts.checkoutEveryNms,
    // Start at DOMContentLoaded rather than rrweb's default of window load (images may take long).
    recordAfter: 'DOMContentLoaded',
    sampling: { mousemove: 50, scroll: 150, media: 800, input: 'last', ...(opts.canvas.mode !== 'off' ? { canvas: opts.canvas.fps } : {}) },
    slimDOMOptions: { script: true, comment: true },
    recordCanvas: opts.canvas.mode !== 'off',
    recordCrossOriginIframes: opts.crossOrigin !== 'off',
    // Canvas content as sampled frames (encoded off the main thread by rrweb's worker), never
    // as a log of drawing calls: a chart redrawing every frame would emit far more.
    ...(opts.canvas.mode !== 'off'
      ? {
          dataURLOptions: { type: opts.canvas.type, quality: opts.canvas.quality },
          repriseCanvasFilter: canvasFilter(opts.canvas.mode === 'marked'),
        }
      : {}),
    collectFonts: false,
    inlineImages: false,
    repriseMutationGate: gate,
    repriseSlicing: {
      budgetMs: SLICE_BUDGET_MS,
      // Our badge or feedback button appearing mid-snapshot is not a page change (it is never recorded).
      isOwnMutation: isOwnUiMutation,
      onDone,
      onError: opts.onError,
    },
    // rrweb calls this for errors inside its observers; returning true swallows them.
    errorHandler: (err: unknown) => {
      opts.onError(err);
      return true;
    },
  };
}

/** rrweb's own controls, reporting errors instead of throwing them. */
function controls(onError: (err: unknown) => void): Pick<DomCapture, 'takeFullSnapshot' | 'addCustom' | 'nodeId'> {
  return {
    takeFullSnapshot() {
      try {
        record.takeFullSnapshot();
      } catch (err) {
        onError(err);
      }
    },
    addCustom(tag, payload) {
      try {
        record.addCustomEvent(tag, payload);
      } catch (err) {
        onError(err);
      }
    },
    nodeId(node) {
      try {
        const id = record.mirror.getId(node);
        return id > 0 ? id : undefined;
      } catch (err) {
        onError(err);
        return undefined;
      }
    },
  };
}
