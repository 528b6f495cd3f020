/**
 * The recorder in a frame whose parent page records (see dom/frames.ts): a same-origin frame is
 * recorded in place by the parent, so nothing runs here; a cross-origin frame asks the parent
 * and, when it records, sends its DOM events to it (no session, no upload here). Otherwise
 * the frame records on its own, as any page does (after the parent's answer timed out).
 */
import type { RecorderHandle } from './index.js';
import type { ResolvedOptions } from './options.js';
import type { RecorderStats } from './recorder.js';
import { createRedactor } from './capture/privacy.js';
import { askParent, parentIsSameOrigin } from './dom/frames.js';
import { startDomCapture, type DomCapture } from './dom/rrweb-adapter.js';
import { debugLog } from './guard.js';

const HANDLE_KEY = Symbol.for('reprise.recorder.handle');

/** The same-origin parent page has a recorder that is recording (and so records this frame). */
function parentRecords(): boolean {
  try {
    const h = (window.parent as unknown as Record<symbol, RecorderHandle | undefined>)[HANDLE_KEY];
    return !!h && h.stats().recording;
  } catch {
    return false;
  }
}

/**
 * A handle for a recorder in a frame; null when the frame is not recorded through its parent
 * (a same-origin parent that does not record: the caller records as usual).
 */
export function initInFrame(
  opts: ResolvedOptions,
  standalone: () => RecorderHandle,
  inert: () => RecorderHandle,
  empty: () => RecorderStats,
): RecorderHandle | null {
  if (parentIsSameOrigin()) return parentRecords() ? inert() : null;
  let own: RecorderHandle | null = null;
  let dom: DomCapture | null = null;
  let stopped = false;
  const stopAsking = askParent(
    (recording) => {
      if (stopped) return;
      if (!recording) {
        own = standalone();
        return;
      }
      const redactor = createRedactor(opts.redactKeys, opts.redactHeaders);
      dom = startDomCapture({
        maskAllInputs: opts.maskAllInputs,
        blockSelector: opts.blockSelector,
        maskTextSelector: opts.maskTextSelector,
        // The parent asks for snapshots after its own (frames.ts), so seeking finds the frame.
        checkoutEveryNms: 0,
        canvas: opts.canvas,
        crossOrigin: 'report',
        // A burst in the frame becomes a fresh snapshot of the frame; the notice has no timeline here.
        mutationLimit: opts.mutationLimit,
        onBurst: (records) => {
          if (opts.debug) debugLog('frame mutation burst of', records, 'records: taking a full snapshot instead');
        },
        // The frame's own URL, in its Meta events, is redacted like the page's.
        redactUrl: (u) => redactor.url(u),
        onEvent: () => {},
        onError: (err) => {
          if (opts.debug) debugLog('frame capture error', err);
        },
      });
    },
    () => dom?.takeFullSnapshot(),
  );
  return {
    stop() {
      stopped = true;
      stopAsking();
      dom?.stop();
      dom = null;
      own?.stop();
    },
    flush: () => own?.flush() ?? Promise.resolve(),
    getSessionId: () => own?.getSessionId() ?? null,
    getSessionUrl: (at) => own?.getSessionUrl(at) ?? null,
    identify: (u, t) => own?.identify(u, t),
    tag: (k, v) => own?.tag(k, v),
    event: (n, d) => own?.event(n, d),
    stats: () => own?.stats() ?? { ...empty(), recording: dom !== null },
  };
}
