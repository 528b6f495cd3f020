import type { SavedSearch } from '@reprise/protocol';
import { randomId } from '../ids.js';
import type { CreateSavedSearchInput } from './types.js';

/** A `saved_searches` row, the same in both dialects. */
export interface SavedSearchRow {
  id: string;
  project_id: string;
  name: string;
  query: string;
  created_by: string | null;
  created_at: number;
}

/** The row a new saved search is stored as. */
export function newSavedSearchRow(input: CreateSavedSearchInput): SavedSearchRow {
  return {
    id: randomId('ss_'),
    project_id: input.projectId,
    name: input.name,
    query: input.query,
    created_by: input.createdBy,
    created_at: Date.now(),
  };
}

export function toSavedSearch(r: SavedSearchRow): SavedSearch {
  return { id: r.id, projectId: r.project_id, name: r.name, query: r.query, createdAt: r.created_at, createdBy: r.created_by };
}
