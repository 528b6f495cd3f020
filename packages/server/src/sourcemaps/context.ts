import type { Store } from '../store/types.js';
import { MapCache } from './map-cache.js';
import type { ResolveContext } from './resolve.js';
import { StoreMapSource, type MapFetcher } from './store-source.js';

type Context = ResolveContext & { cache: MapCache; fetcher: MapFetcher | null };
const contexts = new WeakMap<Store, Context>();

/**
 * The process's resolution context for a store: one per store, so its map cache (bounded, LRU by
 * bytes) is shared by the API, the digest and MCP. `fetcher` is set once, by the app.
 */
export function resolveContextFor(store: Store, fetcher?: MapFetcher): Context {
  let ctx = contexts.get(store);
  if (!ctx || (fetcher && !ctx.fetcher)) {
    const cache = ctx?.cache ?? new MapCache();
    ctx = { maps: new StoreMapSource(store, cache, fetcher ?? null), cache, fetcher: fetcher ?? null };
    contexts.set(store, ctx);
  }
  return ctx;
}
