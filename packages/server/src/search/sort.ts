import type { SessionList, SessionSummary } from '@reprise/protocol';
import { SESSION_SORTS, type SessionSort } from '@reprise/protocol/query';
import { decodeCursor, encodeCursor } from '../store/cursor.js';

/**
 * Keyset order of each sort: an optional primary key, then start time and id as tie-breakers,
 * all in one direction. A cursor holds the keys of the last row served, so every page is
 * one index range and rows never shift between pages the way OFFSET would.
 */
export interface SortSpec {
  /** The session value sorted on first; null for the time sorts. */
  primary: 'duration' | 'errors' | 'rage' | 'active' | null;
  dir: 'asc' | 'desc';
}

export const SORTS: Record<SessionSort, SortSpec> = {
  newest: { primary: null, dir: 'desc' },
  oldest: { primary: null, dir: 'asc' },
  longest: { primary: 'duration', dir: 'desc' },
  errors: { primary: 'errors', dir: 'desc' },
  rage: { primary: 'rage', dir: 'desc' },
  active: { primary: 'active', dir: 'desc' },
};

export function isSessionSort(v: unknown): v is SessionSort {
  return typeof v === 'string' && (SESSION_SORTS as readonly string[]).includes(v);
}

/** The last served row's keys: [primary value,] started_at, id. */
export interface SortKey {
  value: number | null;
  startedAt: number;
  id: string;
}

/** `newest` keeps the original `startedAt:id` cursor; the other sorts prefix their name. */
export function encodeSortCursor(sort: SessionSort, key: SortKey): string {
  if (sort === 'newest') return encodeCursor(key.startedAt, key.id);
  const parts = SORTS[sort].primary ? [sort, key.value, key.startedAt, key.id] : [sort, key.startedAt, key.id];
  return Buffer.from(parts.join(':')).toString('base64url');
}

/** Null when the cursor is malformed or was made for another sort. */
export function decodeSortCursor(sort: SessionSort, cursor: string): SortKey | null {
  if (sort === 'newest') {
    const c = decodeCursor(cursor);
    return c ? { value: null, startedAt: c.startedAt, id: c.id } : null;
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const parts = text.split(':');
  const hasPrimary = SORTS[sort].primary !== null;
  if (parts[0] !== sort || parts.length < (hasPrimary ? 4 : 3)) return null;
  const raw = parts.slice(1, hasPrimary ? 3 : 2);
  const nums = raw.map(Number);
  if (raw.some((p) => p === '') || !nums.every(Number.isFinite)) return null;
  const id = parts.slice(hasPrimary ? 3 : 2).join(':');
  if (!id) return null;
  return hasPrimary ? { value: nums[0]!, startedAt: nums[1]!, id } : { value: null, startedAt: nums[0]!, id };
}

/** The page of a search's rows (fetched one more than `limit`, to know whether another follows) and the next cursor. */
export function pageOf<Row extends { sort_key: number | null; started_at: number; id: string }>(
  rows: Row[],
  query: { sort: SessionSort; limit: number },
  toSummary: (row: Row) => SessionSummary,
): SessionList {
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    sessions: page.map(toSummary),
    nextCursor:
      rows.length > query.limit && last
        ? encodeSortCursor(query.sort, { value: last.sort_key, startedAt: last.started_at, id: last.id })
        : null,
  };
}
