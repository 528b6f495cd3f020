/**
 * Popover open state. A popover shown with showPopover() (or a popovertarget button) is in
 * the top layer without any attribute changing, so rrweb records nothing. The state goes on
 * the timeline as an rrweb custom event `reprise-popover` {id, open}: on each `toggle` of a
 * popover, and for every open popover after each full snapshot (a seek starts from one).
 * The viewer shows or hides the replayed element (player/replay-hygiene.ts).
 * Popovers inside shadow roots are not seen (`toggle` does not leave a shadow root).
 */
export const POPOVER_TAG = 'reprise-popover';

export interface PopoverState {
  id: number;
  open: boolean;
}

export interface PopoverWatch {
  /** Reports every open popover (call after each full snapshot). */
  snapshotTaken(): void;
  stop(): void;
}

function isOpen(el: Element): boolean {
  try {
    return el.matches(':popover-open');
  } catch {
    return false; // a browser without popovers
  }
}

export function watchPopovers(
  nodeId: (node: Node) => number | undefined,
  emit: (state: PopoverState) => void,
  onError: (err: unknown) => void,
): PopoverWatch {
  const report = (el: Element, open: boolean): void => {
    const id = nodeId(el);
    if (id !== undefined) emit({ id, open });
  };
  const onToggle = (e: Event): void => {
    try {
      const el = e.target;
      if (!(el instanceof Element) || !el.hasAttribute('popover')) return;
      report(el, (e as Event & { newState?: string }).newState === 'open' || isOpen(el));
    } catch (err) {
      onError(err);
    }
  };
  document.addEventListener('toggle', onToggle, true);
  return {
    snapshotTaken() {
      try {
        for (const el of Array.from(document.querySelectorAll('[popover]'))) if (isOpen(el)) report(el, true);
      } catch (err) {
        onError(err);
      }
    },
    stop() {
      document.removeEventListener('toggle', onToggle, true);
    },
  };
}
