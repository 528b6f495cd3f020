import type { UnresolvedReason } from '@reprise/protocol';
import type { Store } from '../store/types.js';
import type { MapCache } from './map-cache.js';
import type { LoadedMap, MapSource } from './resolve.js';
import { scriptKey } from './validate.js';

/** Fetches a public map for a script when the project allows it (fetch.ts); absent = fetching off. */
export interface MapFetcher {
  lookup(projectId: string, scriptUrl: string): Promise<{ map: LoadedMap } | { missing: UnresolvedReason } | null>;
}

/**
 * Maps of a project's release from the store: the upload for (project, release, script URL),
 * else a fetched one when the project allows fetching, else the reason there is none.
 */
export class StoreMapSource implements MapSource {
  constructor(
    private readonly store: Store,
    private readonly cache: MapCache,
    private readonly fetcher: MapFetcher | null = null,
  ) {}

  async lookup(projectId: string, release: string | null, fileUrl: string): Promise<{ map: LoadedMap } | { missing: UnresolvedReason }> {
    const url = scriptKey(fileUrl);
    if (!url) return { missing: 'not_resolvable' };
    const maps = this.store.sourceMaps;
    const rec = release ? await maps.get(projectId, release, url) : null;
    if (rec) {
      const got = await this.cache.get(`${projectId}/${rec.hash}`, () => maps.readBytes(rec));
      return 'invalid' in got ? { missing: 'invalid_map' } : { map: got.map };
    }
    const fetched = this.fetcher ? await this.fetcher.lookup(projectId, fileUrl) : null;
    if (fetched && 'map' in fetched) return fetched;
    if ((await maps.releasesForUrl(projectId, url, 1)).length > 0) return { missing: release ? 'release_mismatch' : 'no_release' };
    if (fetched) return fetched;
    return { missing: release ? 'no_map' : 'no_release' };
  }
}
