import { ASSET_MODES, DEFAULT_ASSET_MODE, type AssetMode } from '@reprise/protocol';
import type { AssetRecord, AssetResult, AssetStatus } from '../assets/types.js';

/** Row shapes of the asset index (assets/types.ts), the same on SQLite and PostgreSQL, and their mapping. */
export interface AssetRow {
  project_id: string;
  url: string;
  status: AssetStatus;
  hash: string | null;
  content_type: string | null;
  bytes: number | null;
  error: string | null;
  updated_at: number;
}

export function toAssetRecord(r: AssetRow): AssetRecord {
  return {
    projectId: r.project_id,
    url: r.url,
    status: r.status,
    hash: r.hash,
    contentType: r.content_type,
    bytes: r.bytes === null ? null : Number(r.bytes),
    error: r.error,
    updatedAt: Number(r.updated_at),
  };
}

export function toAssetMode(v: unknown): AssetMode {
  return (ASSET_MODES as readonly unknown[]).includes(v) ? (v as AssetMode) : DEFAULT_ASSET_MODE;
}

/** An asset's fetch result as the values of (status, hash, content_type, bytes, error). */
export function finishValues(result: AssetResult): [string, string | null, string | null, number | null, string | null] {
  const stored = result.status === 'stored' ? result : null;
  return [
    result.status,
    stored?.hash ?? null,
    stored?.contentType ?? null,
    stored?.bytes ?? null,
    result.status === 'failed' ? result.error : null,
  ];
}
