import { LRUCache } from 'lru-cache';
import { TracedMap } from './loaded-map.js';
import { checkSourceMap } from './validate.js';

/** Memory for parsed maps per process, counted as bytes of map JSON (decoded mappings are of that order). */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

type Entry = { map: TracedMap; bytes: number } | { invalid: string; bytes: number };

/**
 * Parsed maps by a key naming their content (`<projectId>/<sha256>` for uploads, the URL for
 * fetched ones), least recently used dropped past `maxBytes`. A map that fails to parse is
 * remembered as invalid too, so a bad map is not re-read for every frame.
 */
export class MapCache {
  private readonly lru: LRUCache<string, Entry>;

  constructor(maxBytes = DEFAULT_CACHE_BYTES) {
    this.lru = new LRUCache<string, Entry>({ maxSize: maxBytes, sizeCalculation: (e) => Math.max(1, e.bytes) });
  }

  /** The parsed map under `key`, loading its text with `load` on a miss. */
  async get(key: string, load: () => Promise<Buffer>): Promise<{ map: TracedMap } | { invalid: string }> {
    const hit = this.lru.get(key);
    if (hit) return hit;
    const bytes = await load();
    const entry = parse(bytes);
    // One map larger than the whole cache is used once and not kept.
    if (entry.bytes <= this.lru.maxSize) this.lru.set(key, entry);
    return entry;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }
}

function parse(bytes: Buffer): Entry {
  const checked = checkSourceMap(bytes.toString('utf8'));
  if (!checked.ok) return { invalid: checked.reason, bytes: 64 };
  try {
    return { map: new TracedMap(checked.map), bytes: bytes.length };
  } catch {
    return { invalid: 'the mappings could not be decoded', bytes: 64 };
  }
}
