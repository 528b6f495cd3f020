import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery } from '@reprise/protocol/query';
import { explainSearch } from '../../packages/server/src/store/sqlite/search.js';
import { SqliteStore } from '../../packages/server/src/store/sqlite/sqlite-store.js';
import { seedStore, seedStoreByAppend } from '../lib/search-seed.js';
import { QUERIES, SEARCH_NOW, SEARCH_SEED } from '../search.js';

// The fast seeder must store what appendBatch stores, so the search benchmark measures the real
// tables and plans. 400 sessions hold a few of every rare case (422 on checkout, rage, dead);
// chunks of 150 make the worker and the writer go through several transactions.
const SPEC = { sessions: 400, seed: SEARCH_SEED, now: SEARCH_NOW };
const root = mkdtempSync(path.join(tmpdir(), 'reprise-search-seed-'));
const dirs = { append: path.join(root, 'append'), fast: path.join(root, 'fast') };
const ids = { append: '', fast: '' };
let dbs: { append: Database.Database; fast: Database.Database };

beforeAll(async () => {
  ids.append = (await seedStoreByAppend(dirs.append, SPEC)).projectId;
  ids.fast = (await seedStore(dirs.fast, SPEC, { chunk: 150 })).projectId;
  dbs = {
    append: new Database(path.join(dirs.append, 'reprise.db'), { readonly: true }),
    fast: new Database(path.join(dirs.fast, 'reprise.db'), { readonly: true }),
  };
});
afterAll(() => {
  dbs?.append.close();
  dbs?.fast.close();
  rmSync(root, { recursive: true, force: true });
});

/** Everything in the schema but FTS5's internal tables (their segment layout depends on commit sizes). */
function schema(db: Database.Database): string[] {
  return (
    db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'search\\_text\\_%' ESCAPE '\\'").all() as object[]
  )
    .map((r) => JSON.stringify(r))
    .sort();
}

function tables(db: Database.Database): string[] {
  return db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'search\\_text\\_%' ESCAPE '\\' ORDER BY name",
    )
    .pluck()
    .all() as string[];
}

/**
 * Every row with its rowid, in rowid order; the project's random id as a placeholder. Where the
 * fast seeder differs on purpose it is named: the project row's random key and clock, and the
 * batch rows' chunk (one shared chunk, so its key, size and place in it).
 */
function rows(db: Database.Database, table: string, projectId: string): unknown[] {
  const all = db.prepare(`SELECT rowid AS _rowid, * FROM "${table}" ORDER BY rowid`).all() as Record<string, unknown>[];
  return all.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) out[k] = v === projectId ? '<project>' : v;
    if (table === 'projects') out.key = out.created_at = '<per store>';
    // The store packs a group commit's batches into one file (offset and length in it); the seed's chunk is one whole object.
    if (table === 'batches') out.chunk_key = out.bytes = out.chunk_offset = out.chunk_length = '<shared chunk>';
    // The per-session byte cap counts the bytes of the chunks written; the seed writes one shared chunk.
    if (table === 'sessions') out.stored_bytes = '<shared chunk>';
    // An issue's id is random: named by its fingerprint instead.
    if (table === 'issues') out.id = out.fingerprint;
    if (table === 'issue_errors') out.issue_id = db.prepare('SELECT fingerprint FROM issues WHERE id = ?').pluck().get(out.issue_id);
    return out;
  });
}

describe('search benchmark seeding', () => {
  it('creates the same schema as the store', () => {
    expect(schema(dbs.fast)).toEqual(schema(dbs.append));
  });

  it('the sample holds the cases the queries look for', () => {
    const count = (sql: string) => dbs.append.prepare(sql).pluck().get() as number;
    expect(count('SELECT count(*) FROM sessions')).toBe(SPEC.sessions);
    expect(count("SELECT count(*) FROM network_requests WHERE status = 422 AND url LIKE '%/api/checkout'")).toBeGreaterThan(0);
    expect(count("SELECT count(*) FROM signals WHERE type = 'rage'")).toBeGreaterThan(0);
    expect(count("SELECT count(*) FROM signals WHERE type = 'dead'")).toBeGreaterThan(0);
    expect(count('SELECT count(*) FROM errors')).toBeGreaterThan(0);
  });

  it('stores every table row for row as appendBatch does', () => {
    const names = tables(dbs.append);
    expect(tables(dbs.fast)).toEqual(names);
    expect(names).toEqual(expect.arrayContaining(['sessions', 'batches', 'network_requests', 'clicks', 'signals', 'search_text']));
    for (const t of names) {
      const fast = rows(dbs.fast, t, ids.fast);
      const append = rows(dbs.append, t, ids.append);
      expect(fast.length, t).toBe(append.length);
      expect(fast, t).toEqual(append);
    }
  });

  it('has an intact full-text index and indexes that match their tables', () => {
    const db = new Database(path.join(dirs.fast, 'reprise.db'));
    try {
      db.exec("INSERT INTO search_text(search_text) VALUES ('integrity-check')");
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('answers every benchmark query with the same sessions and the same plan', async () => {
    const stores = { append: new SqliteStore(dirs.append), fast: new SqliteStore(dirs.fast) };
    try {
      for (const { q } of [{ q: '' }, ...QUERIES]) {
        const parsed = parseQuery(q);
        if (!parsed.ok) throw new Error(`${q}: ${parsed.error.message}`);
        const search = { ast: parsed.ast, sort: 'newest' as const, limit: 50, cursor: null, now: SEARCH_NOW };
        const [fast, append] = [await stores.fast.searchSessions(search), await stores.append.searchSessions(search)];
        const norm = (l: typeof fast) => JSON.stringify(l).replaceAll(ids.fast, '<project>').replaceAll(ids.append, '<project>');
        expect(
          fast.sessions.map((x) => x.id),
          q,
        ).toEqual(append.sessions.map((x) => x.id));
        expect(norm(fast), q).toBe(norm(append));
        expect(explainSearch(dbs.fast, search), q).toEqual(explainSearch(dbs.append, search));
      }
    } finally {
      await stores.append.close();
      await stores.fast.close();
    }
  });
});
