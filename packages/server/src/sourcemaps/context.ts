import type { Store } from '../store/types.js';
import { PublicMapFetcher } from './fetch.js';
import { MapCache } from './map-cache.js';
import type { ResolveContext } from './resolve.js';
import { StoreMapSource } from './store-source.js';

type Context = ResolveContext & { cache: MapCache };
const contexts = new WeakMap<Store, Context>();

/**
 * The process's resolution context for a store: one per store, so its map cache (bounded, LRU by
 * bytes) is shared by the API, the digest and MCP. Public maps are fetched only for projects that
 * list origins for it (off by default).
 */
export function resolveContextFor(store: Store): Context {
  let ctx = contexts.get(store);
  if (!ctx) {
    const cache = new MapCache();
    ctx = { maps: new StoreMapSource(store, cache, new PublicMapFetcher(store, cache)), cache };
    contexts.set(store, ctx);
  }
  return ctx;
}
