import type pg from 'pg';
import type { AssetMode } from '@reprise/protocol';
import type { AssetIndex, AssetRecord, AssetResult, BlobRef } from '../../assets/types.js';
import { finishValues, toAssetMode, toAssetRecord } from '../asset-rows.js';
import { withTransaction } from './pool.js';

/** The asset index (assets/types.ts) in PostgreSQL (migration 6); same semantics as SqliteAssetIndex. */
export class PgAssetIndex implements AssetIndex {
  constructor(private readonly pool: pg.Pool) {}

  async getAssetMode(projectId: string): Promise<AssetMode> {
    const r = await this.pool.query<{ mode: string }>('SELECT mode FROM asset_settings WHERE project_id = $1', [projectId]);
    return toAssetMode(r.rows[0]?.mode);
  }

  async setAssetMode(projectId: string, mode: AssetMode): Promise<void> {
    await this.pool.query(
      'INSERT INTO asset_settings (project_id, mode) VALUES ($1, $2) ON CONFLICT (project_id) DO UPDATE SET mode = excluded.mode',
      [projectId, mode],
    );
  }

  async referenceAssets(projectId: string, sessionId: string, urls: string[], now: number): Promise<string[]> {
    if (urls.length === 0) return [];
    return withTransaction(this.pool, async (c) => {
      // Only while the session exists (it may have been erased since its batch was acknowledged).
      await c.query(
        `INSERT INTO session_assets (session_id, project_id, url)
         SELECT $1, $2, u FROM unnest($3::text[]) AS u WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $1)
         ON CONFLICT DO NOTHING`,
        [sessionId, projectId, urls],
      );
      const r = await c.query<{ url: string }>(
        `INSERT INTO assets (project_id, url, status, updated_at)
         SELECT $1, u, 'new', $3 FROM unnest($2::text[]) AS u WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $4)
         ON CONFLICT DO NOTHING RETURNING url`,
        [projectId, urls, now, sessionId],
      );
      return r.rows.map((x) => x.url);
    });
  }

  async claimAsset(projectId: string, url: string, now: number, staleBefore: number): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE assets SET status = 'pending', updated_at = $1
       WHERE project_id = $2 AND url = $3 AND (status = 'new' OR (status = 'pending' AND updated_at < $4))`,
      [now, projectId, url, staleBefore],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async finishAsset(projectId: string, url: string, result: AssetResult, now: number): Promise<void> {
    await this.pool.query(
      'UPDATE assets SET status = $1, hash = $2, content_type = $3, bytes = $4, error = $5, updated_at = $6 WHERE project_id = $7 AND url = $8',
      [...finishValues(result), now, projectId, url],
    );
  }

  async getSessionAsset(sessionId: string, url: string): Promise<AssetRecord | null> {
    const r = await this.pool.query(
      'SELECT a.* FROM session_assets r JOIN assets a ON a.project_id = r.project_id AND a.url = r.url WHERE r.session_id = $1 AND r.url = $2',
      [sessionId, url],
    );
    return r.rows[0] ? toAssetRecord(r.rows[0]) : null;
  }

  async listSessionAssets(sessionId: string, limit: number): Promise<AssetRecord[]> {
    const r = await this.pool.query(
      'SELECT a.* FROM session_assets r JOIN assets a ON a.project_id = r.project_id AND a.url = r.url WHERE r.session_id = $1 ORDER BY a.url LIMIT $2',
      [sessionId, limit],
    );
    return r.rows.map(toAssetRecord);
  }

  async hasAssetHash(projectId: string, hash: string): Promise<boolean> {
    const r = await this.pool.query(`SELECT 1 FROM assets WHERE project_id = $1 AND hash = $2 AND status = 'stored' LIMIT 1`, [
      projectId,
      hash,
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  async sweepAssets(before: number): Promise<{ rows: number; unreferenced: BlobRef[] }> {
    return withTransaction(this.pool, async (c) => {
      const gone = await c.query<{ project_id: string; hash: string | null }>(
        `DELETE FROM assets a WHERE updated_at < $1 AND status <> 'pending'
           AND NOT EXISTS (SELECT 1 FROM session_assets r WHERE r.project_id = a.project_id AND r.url = a.url)
         RETURNING project_id, hash`,
        [before],
      );
      const candidates = [...new Map(gone.rows.filter((g) => g.hash).map((g) => [`${g.project_id}/${g.hash}`, g])).values()];
      const unreferenced: BlobRef[] = [];
      for (const g of candidates) {
        const used = await c.query('SELECT 1 FROM assets WHERE project_id = $1 AND hash = $2 LIMIT 1', [g.project_id, g.hash]);
        if ((used.rowCount ?? 0) === 0) unreferenced.push({ projectId: g.project_id, hash: g.hash! });
      }
      return { rows: gone.rowCount ?? 0, unreferenced };
    });
  }

  async referencedAssetBlobs(refs: BlobRef[]): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const r = await this.pool.query<{ k: string }>(
      `SELECT DISTINCT project_id || '/' || hash AS k FROM assets WHERE (project_id || '/' || hash) = ANY($1::text[])`,
      [refs.map((x) => `${x.projectId}/${x.hash}`)],
    );
    return new Set(r.rows.map((x) => x.k));
  }
}
