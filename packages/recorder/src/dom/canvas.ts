import { CANVAS_MARK_ATTRIBUTE } from '../options.js';

/**
 * Which canvases rrweb records (snapshot image and sampled frames; rrweb-patches.mjs, change
 * 3). A canvas costs an image encode per frame, so one nobody can see is skipped: not in the
 * document, zero-size, hidden (display/visibility/opacity), or entirely outside the viewport.
 * A skipped canvas is picked up at the next sampled frame once it shows.
 */
export function canvasFilter(markedOnly: boolean): (canvas: HTMLCanvasElement) => boolean {
  return (canvas) => {
    try {
      if (markedOnly && !canvas.hasAttribute(CANVAS_MARK_ATTRIBUTE)) return false;
      if (!canvas.isConnected || canvas.width === 0 || canvas.height === 0) return false;
      const r = canvas.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const view = canvas.ownerDocument.defaultView;
      if (view && (r.bottom <= 0 || r.right <= 0 || r.top >= view.innerHeight || r.left >= view.innerWidth)) return false;
      const el = canvas as HTMLCanvasElement & { checkVisibility?(o: object): boolean };
      if (typeof el.checkVisibility === 'function' && !el.checkVisibility({ visibilityProperty: true, opacityProperty: true }))
        return false;
      return true;
    } catch {
      return false;
    }
  };
}
