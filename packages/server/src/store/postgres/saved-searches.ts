import type { SavedSearch } from '@reprise/protocol';
import { randomId } from '../../ids.js';
import type { CreateSavedSearchInput } from '../types.js';
import type { Queryable } from './pool.js';

interface SavedSearchRow { id: string; project_id: string; name: string; query: string; created_by: string | null; created_at: number }

export async function list(db: Queryable, projectId: string): Promise<SavedSearch[]> {
  const r = await db.query<SavedSearchRow>('SELECT * FROM saved_searches WHERE project_id = $1 ORDER BY name, created_at, id', [projectId]);
  return r.rows.map(toSavedSearch);
}

export async function create(db: Queryable, input: CreateSavedSearchInput): Promise<SavedSearch> {
  const row: SavedSearchRow = {
    id: randomId('ss_'),
    project_id: input.projectId,
    name: input.name,
    query: input.query,
    created_by: input.createdBy,
    created_at: Date.now(),
  };
  await db.query('INSERT INTO saved_searches (id, project_id, name, query, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    row.id, row.project_id, row.name, row.query, row.created_by, row.created_at,
  ]);
  return toSavedSearch(row);
}

export async function remove(db: Queryable, id: string): Promise<boolean> {
  return ((await db.query('DELETE FROM saved_searches WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

function toSavedSearch(r: SavedSearchRow): SavedSearch {
  return { id: r.id, projectId: r.project_id, name: r.name, query: r.query, createdAt: r.created_at, createdBy: r.created_by };
}
