/**
 * Where the preset dictionary of a deflate batch comes from (`?dict=` and `&ref=`, see
 * @reprise/protocol dictionary.ts): a static dictionary shipped in the code, plus optionally
 * an earlier batch of the same session read back from the store. Only durable data is
 * used, so any instance can decode any batch; the cache below holds immutable facts (a
 * stored batch never changes, nor does its session's project) and is only a shortcut.
 */
import {
  DICT_PARAM,
  DICTIONARY_UNAVAILABLE,
  REF_PARAM,
  REFERENCE_MAX_BYTES,
  deltaFormReference,
  isStaticDictionaryId,
  parseDictionaryRef,
  presetDictionary,
  referenceText,
  staticDictionaryBytes,
  type Batch,
  type DictionaryRef,
  type ReplayEvent,
} from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { Store } from '../store/types.js';

/** What a deflate batch's query names; resolved only if its zlib header asks for a dictionary. */
export interface DictionarySource {
  /** The reference named by `&ref=`, or null. Throws a 400 when malformed. */
  ref(): DictionaryRef | null;
  /**
   * The preset dictionary bytes; with `delta`, for a delta-form body (its reference in the delta
   * form too). Throws a 400 for a malformed query, a 422 DICTIONARY_UNAVAILABLE when absent.
   */
  load(delta: boolean): Promise<Uint8Array>;
  /**
   * Caches the reference text of a decoded page-start batch (one with a full snapshot): the
   * recorder's next batches are likely to name it, and reading it back costs a store round trip.
   * Optional: a decoder in another thread has no access to the cache.
   */
  remember?(batch: Batch): void;
}

const CACHE_ENTRIES = 256; // × REFERENCE_MAX_BYTES (24 KB): at most ~6 MB per store
const caches = new WeakMap<Store, Cache>();

function unavailable(message: string): HttpError {
  return new HttpError(422, DICTIONARY_UNAVAILABLE, message);
}

function param(query: unknown, name: string): string | null {
  const v = query && typeof query === 'object' ? (query as Record<string, unknown>)[name] : undefined;
  if (v === undefined) return null;
  if (typeof v !== 'string') throw new HttpError(400, 'bad_dictionary', `?${name}= must be given once`);
  return v;
}

/** The dictionary source of one ingest request of `projectId`. */
export function ingestDictionaries(store: Store, projectId: string, query: unknown): DictionarySource {
  const ref = (): DictionaryRef | null => {
    const text = param(query, REF_PARAM);
    if (text === null) return null;
    const parsed = parseDictionaryRef(text);
    if (!parsed) throw new HttpError(400, 'bad_dictionary', `?${REF_PARAM}= must be <sessionId>.<seq>`);
    return parsed;
  };
  return {
    ref,
    async load(delta) {
      const id = param(query, DICT_PARAM);
      if (id === null) throw new HttpError(400, 'bad_dictionary', `the body needs a preset dictionary: name it with ?${DICT_PARAM}=`);
      if (!isStaticDictionaryId(id)) throw unavailable(`unknown dictionary "${id.slice(0, 32)}"`);
      const r = ref();
      const refBytes = r ? await storedReference(store, projectId, r) : null;
      if (r && !refBytes) throw unavailable(`batch ${r.seq} of this session is not stored`);
      return presetDictionary(staticDictionaryBytes(id), refBytes && delta ? deltaFormReference(refBytes) : refBytes);
    },
    remember(batch) {
      if (!batch.events.some((e) => e.kind === 'dom' && (e.data as { type?: unknown }).type === 2)) return;
      const cache = cacheOf(store);
      const key = `${batch.sessionId}.${batch.seq}`;
      // First come, kept: a second body for a stored seq is a duplicate the store ignores too.
      if (!cache.has(key)) put(cache, key, { projectId, bytes: referenceBytes(batch.events) });
    },
  };
}

type Cache = Map<string, { projectId: string; bytes: Uint8Array }>;

function cacheOf(store: Store): Cache {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new Map()));
  return cache;
}

function put(cache: Cache, key: string, value: { projectId: string; bytes: Uint8Array }): void {
  cache.set(key, value);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
}

/** The reference bytes of a stored batch of this project, or null when there is none. */
async function storedReference(store: Store, projectId: string, ref: DictionaryRef): Promise<Uint8Array | null> {
  const cache = cacheOf(store);
  const key = `${ref.sessionId}.${ref.seq}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // re-insert: Map order is the LRU order
    cache.set(key, hit);
    return hit.projectId === projectId ? hit.bytes : null;
  }
  // Another project's session is "not stored" for this key: its content must never seed a decode.
  const session = await store.getSession(ref.sessionId);
  if (!session || session.projectId !== projectId) return null;
  const events = await store.readBatch(ref.sessionId, ref.seq);
  if (!events) return null;
  let bytes: Uint8Array;
  try {
    bytes = referenceBytes(events);
  } catch {
    // A stored event too deep to serialize (kept from before ingest bounded depth): no dictionary.
    return null;
  }
  put(cache, key, { projectId, bytes });
  return bytes;
}

/** The first REFERENCE_MAX_BYTES of a batch's stored NDJSON (the form toNdjsonLine writes). */
export function referenceBytes(events: readonly ReplayEvent[]): Uint8Array {
  function* lines(): Generator<string> {
    for (const e of events) yield JSON.stringify({ t: e.t, kind: e.kind, data: e.data });
  }
  return Buffer.from(referenceText(lines()), 'utf8').subarray(0, REFERENCE_MAX_BYTES);
}
