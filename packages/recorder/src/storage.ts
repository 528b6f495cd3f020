/**
 * sessionStorage behind a tiny key-value interface. Access can throw (sandboxed
 * iframes, disabled storage, quota), so we probe once and fall back to memory:
 * the recorder then still works, only without surviving reloads.
 */
export interface KeyValueStore {
  get(key: string): string | null;
  /** Returns false when the write failed (e.g. quota exceeded). */
  set(key: string, value: string): boolean;
  remove(key: string): void;
  readonly persistent: boolean;
}

/** A non-persistent store (fallback, and for unit tests). */
export function createMemoryStore(): KeyValueStore {
  const m = new Map<string, string>();
  return {
    persistent: false,
    get: (k) => m.get(k) ?? null,
    set: (k, v) => {
      m.set(k, v);
      return true;
    },
    remove: (k) => {
      m.delete(k);
    },
  };
}

// Shared by all recorder instances of this page so an in-memory session survives stop/init.
const pageMemory = createMemoryStore();

function wrapStorage(s: Storage): KeyValueStore {
  return {
    persistent: true,
    get: (k) => {
      try {
        return s.getItem(k);
      } catch {
        return null;
      }
    },
    set: (k, v) => {
      try {
        s.setItem(k, v);
        return true;
      } catch {
        return false;
      }
    },
    remove: (k) => {
      try {
        s.removeItem(k);
      } catch {
        /* ignore */
      }
    },
  };
}

export function sessionStore(): KeyValueStore {
  try {
    const s = window.sessionStorage;
    const probe = 'reprise:probe';
    s.setItem(probe, '1');
    s.removeItem(probe);
    return wrapStorage(s);
  } catch {
    return pageMemory;
  }
}
