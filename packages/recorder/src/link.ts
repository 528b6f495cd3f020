/**
 * Support-link activation, shared by the tiny loader (dist/browser/loader.js) and
 * the ESM `initOnDemand`. Must import nothing: the loader bundles this file alone.
 *
 * A support link lands on the app with `#reprise_token=…` (or `?reprise_token=…`).
 * The token is moved to sessionStorage (so later pages of the tab keep recording)
 * and removed from the address bar, so it never ends up in recorded URLs or the DOM.
 */
export const LINK_KEY = 'reprise:link';
const PARAM = 'reprise_token';
const TOKEN_RE = /^[A-Za-z0-9_.~-]{1,256}$/;

export interface StoredLink {
  token: string;
  projectKey: string;
  endpoint: string;
}

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function readStoredLink(): StoredLink | null {
  try {
    const raw = storage()?.getItem(LINK_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<StoredLink> | null;
    if (v && typeof v.token === 'string' && TOKEN_RE.test(v.token) && typeof v.projectKey === 'string' && typeof v.endpoint === 'string') {
      return { token: v.token, projectKey: v.projectKey, endpoint: v.endpoint };
    }
  } catch {
    /* corrupt or unavailable */
  }
  return null;
}

export function storeLink(link: StoredLink): void {
  try {
    storage()?.setItem(LINK_KEY, JSON.stringify(link));
  } catch {
    /* storage full or disabled: this page still records */
  }
}

export function clearStoredLink(): void {
  try {
    storage()?.removeItem(LINK_KEY);
  } catch {
    /* ignore */
  }
}

/** `a=1&reprise_token=x&b` → token and the remaining parts. */
function splitParams(s: string): { token: string | null; rest: string } {
  let token: string | null = null;
  const rest = s
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      if (name !== PARAM) return true;
      try {
        token = decodeURIComponent(part.slice(eq + 1));
      } catch {
        token = null;
      }
      return false;
    })
    .join('&');
  return { token, rest };
}

/**
 * Takes a token from the URL (fragment first, then query) and removes it from the
 * address bar with history.replaceState, keeping every other parameter. Null if none.
 */
export function takeTokenFromUrl(): string | null {
  try {
    const hash = location.hash.replace(/^#/, '');
    const search = location.search.replace(/^\?/, '');
    const h = hash.indexOf(PARAM) >= 0 ? splitParams(hash) : { token: null, rest: hash };
    const q = search.indexOf(PARAM) >= 0 ? splitParams(search) : { token: null, rest: search };
    const token = h.token || q.token;
    if (h.token === null && q.token === null) return null;
    try {
      const url = location.pathname + (q.rest ? '?' + q.rest : '') + (h.rest ? '#' + h.rest : '');
      history.replaceState(history.state, '', url);
    } catch {
      /* sandboxed: the token stays visible, recording still works */
    }
    return token && TOKEN_RE.test(token) ? token : null;
  } catch {
    return null;
  }
}

/**
 * The link this tab should record under: a token in the URL (stored for later pages)
 * or one stored by an earlier page for the same project. Null: stay dormant.
 */
export function activeLink(projectKey: string, endpoint: string): StoredLink | null {
  const fromUrl = takeTokenFromUrl();
  if (fromUrl) {
    const link = { token: fromUrl, projectKey, endpoint };
    storeLink(link);
    return link;
  }
  const stored = readStoredLink();
  return stored && stored.projectKey === projectKey ? stored : null;
}
