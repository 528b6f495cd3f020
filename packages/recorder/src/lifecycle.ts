import type { Guard } from './guard.js';

export interface LifecycleHandlers {
  /** The page may be unloaded, frozen or killed next: save what we can synchronously. */
  onHide(): void;
  /** The page is visible again or came back from bfcache. */
  onShow(): void;
  /** pagehide only: the page is left (navigation, reload, close), not just hidden. */
  onLeave?(): void;
  /** pageshow from bfcache only: the page is back. */
  onBack?(): void;
}

/** pagehide + visibilitychange(hidden) → onHide; visible / bfcache restore → onShow. */
export function watchLifecycle(guard: Guard, h: LifecycleHandlers): () => void {
  const onPageHide = guard.wrap(() => {
    h.onLeave?.();
    h.onHide();
  });
  const onPageShow = guard.wrap((e: PageTransitionEvent) => {
    if (e.persisted) {
      h.onBack?.();
      h.onShow();
    }
  });
  const onVisibility = guard.wrap(() => {
    if (document.visibilityState === 'hidden') h.onHide();
    else h.onShow();
  });
  window.addEventListener('pagehide', onPageHide, { capture: true });
  window.addEventListener('pageshow', onPageShow, { capture: true });
  document.addEventListener('visibilitychange', onVisibility, { capture: true });
  return () => {
    window.removeEventListener('pagehide', onPageHide, { capture: true });
    window.removeEventListener('pageshow', onPageShow, { capture: true });
    document.removeEventListener('visibilitychange', onVisibility, { capture: true });
  };
}
