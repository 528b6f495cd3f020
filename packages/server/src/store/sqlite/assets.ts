import type Database from 'better-sqlite3';
import type { AssetMode } from '@reprise/protocol';
import type { AssetIndex, AssetRecord, AssetResult, BlobRef } from '../../assets/types.js';
import { finishValues, toAssetMode, toAssetRecord, type AssetRow } from '../asset-rows.js';

/** The asset index (assets/types.ts) in SQLite (schema v12). */
export class SqliteAssetIndex implements AssetIndex {
  constructor(private readonly db: Database.Database) {}

  async getAssetMode(projectId: string): Promise<AssetMode> {
    const row = this.db.prepare('SELECT mode FROM asset_settings WHERE project_id = ?').get(projectId) as { mode: string } | undefined;
    return toAssetMode(row?.mode);
  }

  async setAssetMode(projectId: string, mode: AssetMode): Promise<void> {
    this.db
      .prepare('INSERT INTO asset_settings (project_id, mode) VALUES (?, ?) ON CONFLICT (project_id) DO UPDATE SET mode = excluded.mode')
      .run(projectId, mode);
  }

  async referenceAssets(projectId: string, sessionId: string, urls: string[], now: number): Promise<string[]> {
    const ref = this.db.prepare('INSERT OR IGNORE INTO session_assets (session_id, project_id, url) VALUES (?, ?, ?)');
    const add = this.db.prepare(`INSERT OR IGNORE INTO assets (project_id, url, status, updated_at) VALUES (?, ?, 'new', ?)`);
    return this.db.transaction(() => {
      // The session may have been erased since its batch was acknowledged: then nothing is recorded.
      if (!this.db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(sessionId)) return [];
      const added: string[] = [];
      for (const url of urls) {
        ref.run(sessionId, projectId, url);
        if (add.run(projectId, url, now).changes > 0) added.push(url);
      }
      return added;
    })();
  }

  async claimAsset(projectId: string, url: string, now: number, staleBefore: number): Promise<boolean> {
    const r = this.db
      .prepare(
        `UPDATE assets SET status = 'pending', updated_at = ?
         WHERE project_id = ? AND url = ? AND (status = 'new' OR (status = 'pending' AND updated_at < ?))`,
      )
      .run(now, projectId, url, staleBefore);
    return r.changes > 0;
  }

  async finishAsset(projectId: string, url: string, result: AssetResult, now: number): Promise<void> {
    this.db
      .prepare(
        'UPDATE assets SET status = ?, hash = ?, content_type = ?, bytes = ?, error = ?, updated_at = ? WHERE project_id = ? AND url = ?',
      )
      .run(...finishValues(result), now, projectId, url);
  }

  async getSessionAsset(sessionId: string, url: string): Promise<AssetRecord | null> {
    const row = this.db
      .prepare(
        'SELECT a.* FROM session_assets r JOIN assets a ON a.project_id = r.project_id AND a.url = r.url WHERE r.session_id = ? AND r.url = ?',
      )
      .get(sessionId, url) as AssetRow | undefined;
    return row ? toAssetRecord(row) : null;
  }

  async listSessionAssets(sessionId: string, limit: number): Promise<AssetRecord[]> {
    const rows = this.db
      .prepare(
        'SELECT a.* FROM session_assets r JOIN assets a ON a.project_id = r.project_id AND a.url = r.url WHERE r.session_id = ? ORDER BY a.url LIMIT ?',
      )
      .all(sessionId, limit) as AssetRow[];
    return rows.map(toAssetRecord);
  }

  async hasAssetHash(projectId: string, hash: string): Promise<boolean> {
    return !!this.db.prepare(`SELECT 1 FROM assets WHERE project_id = ? AND hash = ? AND status = 'stored'`).get(projectId, hash);
  }

  async sweepAssets(before: number): Promise<{ rows: number; unreferenced: BlobRef[] }> {
    return this.db.transaction(() => {
      const gone = this.db
        .prepare(
          `DELETE FROM assets WHERE updated_at < ? AND status <> 'pending'
             AND NOT EXISTS (SELECT 1 FROM session_assets r WHERE r.project_id = assets.project_id AND r.url = assets.url)
           RETURNING project_id, hash`,
        )
        .all(before) as { project_id: string; hash: string | null }[];
      const used = this.db.prepare('SELECT 1 FROM assets WHERE project_id = ? AND hash = ?');
      const seen = new Set<string>();
      const unreferenced: BlobRef[] = [];
      for (const g of gone) {
        if (!g.hash || seen.has(`${g.project_id}/${g.hash}`)) continue;
        seen.add(`${g.project_id}/${g.hash}`);
        if (!used.get(g.project_id, g.hash)) unreferenced.push({ projectId: g.project_id, hash: g.hash });
      }
      return { rows: gone.length, unreferenced };
    })();
  }

  async referencedAssetBlobs(refs: BlobRef[]): Promise<Set<string>> {
    const used = this.db.prepare('SELECT 1 FROM assets WHERE project_id = ? AND hash = ?');
    return new Set(refs.filter((r) => used.get(r.projectId, r.hash)).map((r) => `${r.projectId}/${r.hash}`));
  }
}
