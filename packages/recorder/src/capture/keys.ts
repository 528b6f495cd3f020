/**
 * Key presses that matter for reproducing a session, as `custom` events of type `key`: a form
 * submitted with Enter, a dialog closed with Escape, focus moved with Tab, a list or menu walked
 * with the arrow keys, an item deleted with Backspace/Delete, an app shortcut (Control/Meta+key).
 * rrweb records what fields contain (masked as configured), never keys; this adds only the keys
 * a value cannot show.
 *
 * Privacy: never a character typed into a field. In text fields, textareas and editable regions
 * only named keys count (shortcuts there are editing: copy, paste, undo); in a password field only
 * Enter, Escape and Tab; inside masked or blocked regions no shortcuts. The target is described as
 * a click's is (selector, label text, test id; never a value). Listens on window in the capture
 * phase, passive; at most MAX_PER_SECOND events a second, held-down repeats skipped.
 *
 * This listens from the first event and keeps each press; which are recorded is decided in the
 * capture chunk (key-press.ts), at once when it is loaded, else when it arrives.
 */
import type { CaptureContext, Stop } from './context.js';
import { withLateCapture } from './describe-later.js';
import type { KeyRecorder } from './key-press.js';

export function startKeyCapture(ctx: CaptureContext): Stop {
  let recorder: KeyRecorder | undefined;
  let stopped = false;
  const onKey = ctx.guard.wrap((e: KeyboardEvent) => {
    if (!e.isTrusted || e.repeat || e.isComposing || typeof e.key !== 'string') return;
    const raw = e.target as Node | null;
    if (!raw || raw.nodeType !== 1) return;
    // The element that has focus, also inside a shadow root (the target is retargeted to its host).
    const inner = (e.composedPath()[0] as Node | undefined) ?? raw;
    const press = { e, t: Date.now(), el: raw as Element, focused: inner.nodeType === 1 ? (inner as Element) : (raw as Element) };
    withLateCapture(
      ctx.guard,
      (m) => {
        if (!stopped) (recorder ??= m.keyRecorder(ctx)).press(press);
      },
      'key',
    );
  });
  const options: AddEventListenerOptions = { capture: true, passive: true };
  window.addEventListener('keydown', onKey, options);
  return () => {
    stopped = true;
    window.removeEventListener('keydown', onKey, options);
    recorder?.stop();
  };
}
