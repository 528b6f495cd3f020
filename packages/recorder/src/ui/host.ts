/**
 * The SDK's own on-page UI lives in an open shadow root on a `<reprise-*>` host marked
 * data-reprise-block and with rrweb's `rr-block` class (a class check costs rrweb less
 * than a selector per element), so it is never recorded, whatever the user's block
 * selector says, and the page's CSS can't reach it.
 */
export interface UiHost {
  host: HTMLElement;
  root: ShadowRoot;
  remove(): void;
}

const BASE_CSS = `
:host{all:initial;position:fixed;z-index:2147483647;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111}
.box{background:#fff;border:1px solid #c8c8d0;border-radius:8px;box-shadow:0 2px 10px rgba(0,0,0,.15);padding:8px 10px;display:flex;gap:8px;align-items:center}
button{font:inherit;cursor:pointer;border:1px solid #888;border-radius:6px;background:#f4f4f6;color:#111;padding:3px 10px}
button:focus-visible,textarea:focus-visible,input:focus-visible{outline:2px solid #2563eb;outline-offset:1px}
.dot{width:8px;height:8px;border-radius:50%;background:#dc2626;flex:none}
`;

/** Whether a DOM mutation only adds or removes the SDK's own UI hosts (`<reprise-*>`). */
export function isOwnUiMutation(r: MutationRecord): boolean {
  if (r.type !== 'childList') return false;
  const nodes = [...Array.from(r.addedNodes), ...Array.from(r.removedNodes)];
  return nodes.length > 0 && nodes.every((n) => n.nodeType === 1 && (n as Element).localName.startsWith('reprise-'));
}

export function createHost(tag: string, css: string, position: string): UiHost | null {
  if (typeof document === 'undefined' || !document.body || typeof HTMLElement.prototype.attachShadow !== 'function') return null;
  const host = document.createElement(tag);
  host.setAttribute('data-reprise-block', '');
  host.className = 'rr-block';
  host.setAttribute('style', position);
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = BASE_CSS + css;
  root.appendChild(style);
  document.body.appendChild(host);
  return {
    host,
    root,
    remove() {
      host.remove();
    },
  };
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
