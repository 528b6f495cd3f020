/**
 * The browser's own fetch, for the recorder's uploads. A host app may wrap window.fetch before
 * the recorder starts (an npm install whose init() runs after the app's interceptors): one that
 * adds an Authorization header fails ingest's CORS preflight, one that mocks or blocks requests
 * swallows the batches. So when window.fetch is not native, the native one is taken from a
 * throwaway same-origin iframe and called with this window. Wrappers installed later (network
 * capture, the app) never see the uploads, since this function is kept.
 */
export function nativeFetch(): typeof fetch | null {
  if (typeof fetch !== 'function') return null;
  if (!isNative(fetch) && typeof document !== 'undefined') {
    try {
      const frame = document.createElement('iframe');
      frame.hidden = true;
      document.documentElement.appendChild(frame);
      const own = (frame.contentWindow as (Window & typeof globalThis) | null)?.fetch;
      frame.remove();
      if (typeof own === 'function' && isNative(own)) return own.bind(window);
    } catch {
      /* no frame could be had: the page's fetch it is */
    }
  }
  return fetch.bind(globalThis);
}

function isNative(f: unknown): boolean {
  try {
    return /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(f));
  } catch {
    return false;
  }
}
