import type { Store } from '../store/types.js';
import { NO_MAPS, type ResolveContext } from './resolve.js';

const contexts = new WeakMap<Store, ResolveContext>();

/** The process's resolution context for a store (one per store, so its map cache is shared). */
export function resolveContextFor(store: Store): ResolveContext {
  let ctx = contexts.get(store);
  if (!ctx) {
    ctx = { maps: NO_MAPS };
    contexts.set(store, ctx);
  }
  return ctx;
}
