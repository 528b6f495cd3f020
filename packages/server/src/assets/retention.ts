import type { AssetStore } from './types.js';

/** Objects under `assets/` younger than this may belong to a capture about to write its row. */
const ORPHAN_AGE_MS = 60 * 60_000;

/**
 * Removes captured assets no session references any more (their sessions were deleted by
 * retention or erasure): the rows first, then each object no remaining row names, then objects
 * a crash left without any row. Run by the retention job after it deletes sessions.
 */
export async function sweepAssets(store: AssetStore, now: number): Promise<{ rows: number; objects: number }> {
  const { rows, unreferenced } = await store.assets.sweepAssets(now);
  await store.assetBlobs.delete(unreferenced);
  const orphans = await store.assetBlobs.gc(store.assets, now - ORPHAN_AGE_MS);
  return { rows, objects: unreferenced.length + orphans };
}
