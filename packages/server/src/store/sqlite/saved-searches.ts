import type Database from 'better-sqlite3';
import type { SavedSearch } from '@reprise/protocol';
import { randomId } from '../../ids.js';
import type { CreateSavedSearchInput } from '../types.js';

interface SavedSearchRow { id: string; project_id: string; name: string; query: string; created_by: string | null; created_at: number }

export function list(db: Database.Database, projectId: string): SavedSearch[] {
  const rows = db
    .prepare('SELECT * FROM saved_searches WHERE project_id = ? ORDER BY name, created_at, id')
    .all(projectId) as SavedSearchRow[];
  return rows.map(toSavedSearch);
}

export function create(db: Database.Database, input: CreateSavedSearchInput): SavedSearch {
  const row: SavedSearchRow = {
    id: randomId('ss_'),
    project_id: input.projectId,
    name: input.name,
    query: input.query,
    created_by: input.createdBy,
    created_at: Date.now(),
  };
  db.prepare('INSERT INTO saved_searches (id, project_id, name, query, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(row.id, row.project_id, row.name, row.query, row.created_by, row.created_at);
  return toSavedSearch(row);
}

export function remove(db: Database.Database, id: string): boolean {
  return db.prepare('DELETE FROM saved_searches WHERE id = ?').run(id).changes > 0;
}

function toSavedSearch(r: SavedSearchRow): SavedSearch {
  return { id: r.id, projectId: r.project_id, name: r.name, query: r.query, createdAt: r.created_at, createdBy: r.created_by };
}
