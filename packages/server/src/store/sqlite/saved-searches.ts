import type Database from 'better-sqlite3';
import type { SavedSearch } from '@reprise/protocol';
import { newSavedSearchRow, toSavedSearch, type SavedSearchRow } from '../saved-search-rows.js';
import type { CreateSavedSearchInput } from '../types.js';

export function list(db: Database.Database, projectId: string): SavedSearch[] {
  const rows = db
    .prepare('SELECT * FROM saved_searches WHERE project_id = ? ORDER BY name, created_at, id')
    .all(projectId) as SavedSearchRow[];
  return rows.map(toSavedSearch);
}

export function create(db: Database.Database, input: CreateSavedSearchInput): SavedSearch {
  const row = newSavedSearchRow(input);
  db.prepare('INSERT INTO saved_searches (id, project_id, name, query, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(row.id, row.project_id, row.name, row.query, row.created_by, row.created_at);
  return toSavedSearch(row);
}

export function remove(db: Database.Database, id: string): boolean {
  return db.prepare('DELETE FROM saved_searches WHERE id = ?').run(id).changes > 0;
}
