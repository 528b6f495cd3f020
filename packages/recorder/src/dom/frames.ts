/**
 * Frames that load the recorder themselves.
 *
 * A same-origin frame is recorded in place by the page's rrweb; its own recorder stays off.
 * A cross-origin frame cannot be read by the page, so its recorder records the frame's DOM
 * and hands the events to the page's recorder by postMessage (rrweb's cross-origin iframe
 * recording), which puts them in the page's session: the frame starts no session and uploads
 * nothing of its own. Before that, the frame asks its parent whether it records (`hello`); the
 * parent answers `recording` once the frame's element is in its snapshot (events the frame sends
 * earlier would be dropped). Without an answer the frame records on its own session.
 * After each full snapshot of the page (checkouts included) the parent asks its recording
 * frames for a fresh snapshot (`snapshot`), so seeking to that checkout shows them too.
 */

const HELLO = 'reprise:frame-hello';
const RECORDING = 'reprise:frame-recording';
const SNAPSHOT = 'reprise:frame-snapshot';
/** How long a frame waits for its parent's answer before recording on its own. */
export const PARENT_ANSWER_MS = 3000;
/** How long the parent waits for the frame's element to be in its snapshot. */
const PARENT_WAIT_MS = 10_000;
/** Frames remembered for re-snapshots: bounded, whatever the page does. */
const MAX_FRAMES = 100;

interface FrameMessage {
  type?: unknown;
}

function messageType(e: MessageEvent): unknown {
  const d = e.data as FrameMessage | null;
  return d && typeof d === 'object' ? d.type : undefined;
}

/** This document is in a frame (of any origin). */
export function isFramed(): boolean {
  try {
    return window.parent !== window;
  } catch {
    return false;
  }
}

/** The parent document can be read: it records this frame in place if it records. */
export function parentIsSameOrigin(): boolean {
  try {
    return !!window.parent.document;
  } catch {
    return false;
  }
}

/**
 * The frame's side: resolves true when the parent page records (and will take this frame's
 * events), false after PARENT_ANSWER_MS without an answer. `onSnapshotAsked` is called when the
 * parent takes a new full snapshot; the returned function stops listening.
 */
export function askParent(onAnswer: (recording: boolean) => void, onSnapshotAsked: () => void): () => void {
  let answered = false;
  const onMessage = (e: MessageEvent): void => {
    if (e.source !== window.parent) return;
    const type = messageType(e);
    if (type === RECORDING && !answered) {
      answered = true;
      clearTimeout(timer);
      onAnswer(true);
    } else if (type === SNAPSHOT && answered) onSnapshotAsked();
  };
  window.addEventListener('message', onMessage);
  const timer = setTimeout(() => {
    if (answered) return;
    answered = true;
    window.removeEventListener('message', onMessage);
    onAnswer(false);
  }, PARENT_ANSWER_MS);
  // The parent's origin is unknown to a cross-origin frame; the message carries nothing secret.
  window.parent.postMessage({ type: HELLO }, '*');
  return () => {
    clearTimeout(timer);
    window.removeEventListener('message', onMessage);
  };
}

function frameOf(source: MessageEventSource | null): HTMLIFrameElement | null {
  if (!source) return null;
  for (const f of Array.from(document.querySelectorAll('iframe'))) if (f.contentWindow === source) return f;
  return null;
}

export interface FrameHost {
  /** Asks every recording frame for a fresh snapshot (call after each full snapshot of the page). */
  snapshotTaken(): void;
  stop(): void;
}

/**
 * The page's side: answers frames that ask, once `nodeId(frame)` says the frame's element is
 * recorded. Only frames that are elements of this document get an answer.
 */
export function hostFrames(nodeId: (node: Node) => number | undefined, onError: (err: unknown) => void): FrameHost {
  const frames = new Map<Window, string>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const answer = (frame: HTMLIFrameElement, origin: string, since: number): void => {
    const win = frame.contentWindow;
    if (!win) return;
    if (nodeId(frame) === undefined) {
      if (Date.now() - since > PARENT_WAIT_MS) return;
      const t = setTimeout(() => {
        timers.delete(t);
        answer(frame, origin, since);
      }, 50);
      timers.add(t);
      return;
    }
    if (frames.size >= MAX_FRAMES && !frames.has(win)) return;
    frames.set(win, origin);
    win.postMessage({ type: RECORDING }, origin);
  };
  const onMessage = (e: MessageEvent): void => {
    try {
      if (messageType(e) !== HELLO) return;
      const frame = frameOf(e.source);
      // A same-origin frame is in this page's snapshot already; only cross-origin ones report.
      if (frame && e.origin !== 'null' && e.origin !== location.origin) answer(frame, e.origin, Date.now());
    } catch (err) {
      onError(err);
    }
  };
  window.addEventListener('message', onMessage);
  return {
    snapshotTaken() {
      for (const [win, origin] of frames) {
        try {
          if (win.closed) frames.delete(win);
          else win.postMessage({ type: SNAPSHOT }, origin);
        } catch (err) {
          onError(err);
        }
      }
    },
    stop() {
      window.removeEventListener('message', onMessage);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      frames.clear();
    },
  };
}
