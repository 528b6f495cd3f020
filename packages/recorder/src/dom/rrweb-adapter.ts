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
  stop(): void;
  /** Emits a new full snapshot (used when a new session starts on a live page). */
  takeFullSnapshot(): void;
}

type RecordOptions = NonNullable<Parameters<typeof record<eventWithTime>>[0]>;

/** Starts rrweb; returns null (and reports) if it cannot start, so recording just stays off. */
export function startDomCapture(opts: DomCaptureOptions): DomCapture | null {
  const rrwebOptions: RecordOptions = {
    emit: (e) => {
      try {
        // rrweb events travel unchanged; t is rrweb's own timestamp.
        opts.onEvent({ t: e.timestamp, kind: 'dom', data: e });
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
    return null;
  }
  if (!stopRecord) return null;
  const stop = stopRecord;
  return {
    stop() {
      try {
        stop();
      } catch (err) {
        opts.onError(err);
      }
    },
    takeFullSnapshot() {
      try {
        record.takeFullSnapshot();
      } catch (err) {
        opts.onError(err);
      }
    },
  };
}
