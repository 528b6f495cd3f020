import type { Store } from '../store/types.js';
import { hasAssetStore } from './types.js';

/**
 * `reprise migrate-store` for captured assets: each project's asset mode (a project set to
 * `block` must not start capturing after a move), and each copied session's assets with their
 * bytes. Idempotent: a re-run fills in what an interrupted one left `new`.
 */
export async function copyAssetModes(source: Store, target: Store, projectIds: string[]): Promise<void> {
  if (!hasAssetStore(source) || !hasAssetStore(target)) return;
  for (const id of projectIds) await target.assets.setAssetMode(id, await source.assets.getAssetMode(id));
}

/** Copies a session's asset rows and bytes; returns how many assets it stored on the target. */
export async function copySessionAssets(source: Store, target: Store, projectId: string, sessionId: string): Promise<number> {
  if (!hasAssetStore(source) || !hasAssetStore(target)) return 0;
  const assets = await source.assets.listSessionAssets(sessionId, 100_000);
  if (assets.length === 0) return 0;
  await target.assets.referenceAssets(
    projectId,
    sessionId,
    assets.map((a) => a.url),
    Date.now(),
  );
  let copied = 0;
  for (const a of assets) {
    if (a.status !== 'stored' && a.status !== 'failed') continue;
    if ((await target.assets.getSessionAsset(sessionId, a.url))?.status !== 'new') continue;
    if (a.status === 'failed') {
      await target.assets.finishAsset(projectId, a.url, { status: 'failed', error: a.error ?? 'failed' }, a.updatedAt);
      continue;
    }
    if (!a.hash || !a.contentType) continue;
    const ref = { projectId, hash: a.hash };
    if (!(await target.assets.hasAssetHash(projectId, a.hash))) await target.assetBlobs.put(ref, await source.assetBlobs.get(ref));
    await target.assets.finishAsset(
      projectId,
      a.url,
      { status: 'stored', hash: a.hash, contentType: a.contentType, bytes: a.bytes ?? 0 },
      a.updatedAt,
    );
    copied++;
  }
  return copied;
}
