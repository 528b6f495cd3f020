/** The session list's URL state: `/?q=<query>&sort=<sort>`. */
import { SESSION_SORTS, type SessionSort } from '../api';

export function parseSort(v: string | null): SessionSort {
  return (SESSION_SORTS as readonly string[]).includes(v ?? '') ? (v as SessionSort) : 'newest';
}

let lastList = '/';

/** The session list the user last looked at (its search and sort), for "← Sessions" links. */
export function lastSessionListUrl(): string {
  return lastList;
}

export function rememberSessionListUrl(url: string): void {
  lastList = url;
}

/** `/?q=…&sort=…`, leaving out defaults so the plain list stays `/`. */
export function sessionListUrl(q: string, sort: SessionSort = 'newest'): string {
  const p = new URLSearchParams();
  if (q.trim()) p.set('q', q);
  if (sort !== 'newest') p.set('sort', sort);
  const s = p.toString();
  return s ? `/?${s}` : '/';
}
