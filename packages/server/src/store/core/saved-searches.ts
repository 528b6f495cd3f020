import type { SavedSearch } from '@reprise/protocol';
import { newSavedSearchRow, toSavedSearch, type SavedSearchRow } from '../saved-search-rows.js';
import type { CreateSavedSearchInput } from '../types.js';
import type { Sql } from './sql.js';

export async function list(db: Sql, projectId: string): Promise<SavedSearch[]> {
  const r = await db.all<SavedSearchRow>('SELECT * FROM saved_searches WHERE project_id = $1 ORDER BY name, created_at, id', [projectId]);
  return r.map(toSavedSearch);
}

export async function create(db: Sql, input: CreateSavedSearchInput): Promise<SavedSearch> {
  const row = newSavedSearchRow(input);
  await db.run('INSERT INTO saved_searches (id, project_id, name, query, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    row.id,
    row.project_id,
    row.name,
    row.query,
    row.created_by,
    row.created_at,
  ]);
  return toSavedSearch(row);
}

export async function remove(db: Sql, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM saved_searches WHERE id = $1', [id])) > 0;
}
