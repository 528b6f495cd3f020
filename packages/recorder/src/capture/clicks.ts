/**
 * Clicks, as `click` events describing the target while it exists (selector, text, test id),
 * so ingest can find rage, dead and error clicks and search `clicked:` / `selector:` without
 * a DOM. Listens on window in the capture phase, passive; never changes the click.
 *
 * Privacy: text comes only from what rrweb would record as visible text (never from a masked
 * or blocked element, never an input / textarea / select value; submit-like button values
 * excepted). Cost per click is bounded: a few ancestors, a capped text walk.
 */
import type { ClickData, ReplayEvent } from '@reprise/protocol';
import { UI_BLOCK_SELECTOR } from '../options.js';
import type { Rules } from './click-describe.js';
import type { CaptureContext, Stop } from './context.js';
import { withLateCapture } from './describe-later.js';
import { within } from './privacy.js';

/** The element that receives a click: the closest of these around the event target wins. */
const INTERACTIVE =
  'a, button, input, select, textarea, summary, label, [role="button"], [role="link"], [role="checkbox"], ' +
  '[role="menuitem"], [role="tab"], [role="switch"], [onclick]';
// rrweb's default classes apply on top of the selectors we pass it.
const RRWEB_BLOCK = '.rr-block';
const RRWEB_MASK = '.rr-mask';

function targetElement(e: Event): Element | null {
  const t = e.target as Node | null;
  if (!t) return null;
  if (t.nodeType === 1) return t as Element;
  if (t.nodeType === 3) return (t as Text).parentElement;
  return null;
}

/**
 * The element a click on `raw` is about: its closest interactive ancestor (else itself).
 * A <label> with a control stands for that control: the browser forwards the click to it,
 * and ingest must see the real target (a text field is no dead-click candidate).
 */
export function clickTarget(raw: Element): { el: Element; interactive: boolean } {
  let hit: Element | null = null;
  try {
    hit = raw.closest(INTERACTIVE);
  } catch {
    /* closest unsupported: the raw target, not interactive */
  }
  if (hit && hit.localName === 'label') {
    const control = (hit as HTMLLabelElement).control;
    if (control) hit = control;
  }
  return { el: hit ?? raw, interactive: hit !== null };
}

export function startClickCapture(ctx: CaptureContext): Stop {
  const rules: Rules = {
    mask: `${ctx.opts.maskTextSelector}, ${RRWEB_MASK}`,
    block: `${ctx.opts.blockSelector}, ${RRWEB_BLOCK}, ${UI_BLOCK_SELECTOR}`,
  };
  /** The control a just-clicked <label> is about to forward a (trusted) click to. */
  let forwarded: Element | null = null;
  const clearForwarded = ctx.guard.wrap(() => {
    forwarded = null;
  });
  const onClick = ctx.guard.wrap((e: MouseEvent) => {
    // Programmatic el.click() from the app is not a user click.
    if (!e.isTrusted) return;
    const raw = targetElement(e);
    if (!raw) return;
    // The SDK's own UI (badge, feedback widget): clicks inside its shadow roots reach us
    // retargeted to the host element.
    if (within(raw, UI_BLOCK_SELECTOR)) return;
    // A <label> click makes the browser dispatch a second, trusted click on its control,
    // synchronously after the first: one user click, already recorded (as the control).
    if (forwarded !== null && raw === forwarded) {
      forwarded = null;
      return;
    }
    const { el, interactive } = clickTarget(raw);
    if (el !== raw && !el.contains(raw)) {
      // Resolved through a label to its control.
      forwarded = el;
      setTimeout(clearForwarded, 0);
    }
    let x = e.clientX;
    let y = e.clientY;
    // Keyboard activation (Enter / Space) has no pointer position: use the target's centre,
    // so unrelated keyboard clicks don't all land on (0, 0) and look like rage clicks.
    if (e.detail === 0 && x === 0 && y === 0) {
      const r = el.getBoundingClientRect();
      x = r.left + r.width / 2;
      y = r.top + r.height / 2;
    }
    const t = Date.now();
    withLateCapture(
      ctx.guard,
      (m) => {
        const event: ReplayEvent<'click', ClickData> = {
          t,
          kind: 'click',
          data: m.describeClick(el, interactive, x, y, rules, ctx.nodeId),
        };
        ctx.sink.push(event);
      },
      'describe',
    );
  });
  const options: AddEventListenerOptions = { capture: true, passive: true };
  window.addEventListener('click', onClick, options);
  return () => window.removeEventListener('click', onClick, options);
}
