import type { UnresolvedReason } from '@reprise/protocol';
import { fetchAsset, type FetchLimits } from '../assets/fetch.js';
import type { Store } from '../store/types.js';
import { MapCache } from './map-cache.js';
import type { LoadedMap } from './resolve.js';
import type { MapFetcher } from './store-source.js';
import { MAX_MAP_BYTES } from './validate.js';

const LIMITS: FetchLimits = { maxBytes: MAX_MAP_BYTES, timeoutMs: 5_000, maxRedirects: 2 };
/** A failed fetch is not tried again for this long (per project and script). */
const FAILURE_TTL_MS = 10 * 60_000;
const MAPPING_URL = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/;
const TEXT_TYPES = /^(application\/(json|javascript|x-javascript|octet-stream)|text\/(javascript|plain))$/;

/**
 * Fetching public maps, per project and off by default (docs/sourcemaps.md): only scripts on the
 * origins the project lists, only a map on the script's own origin (redirects elsewhere are
 * refused: the only allowed origin is the script's), time- and size-capped by the asset fetcher,
 * never with credentials. Parsed maps share the bounded cache; failures are remembered a while.
 */
export class PublicMapFetcher implements MapFetcher {
  private readonly failures = new Map<string, { at: number; reason: UnresolvedReason }>();

  constructor(
    private readonly store: Store,
    private readonly cache: MapCache,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(projectId: string, scriptUrl: string): Promise<{ map: LoadedMap } | { missing: UnresolvedReason } | null> {
    const origins = await this.store.sourceMaps.getFetchOrigins(projectId);
    let script: URL;
    try {
      script = new URL(scriptUrl);
    } catch {
      return null;
    }
    if (!origins || !origins.includes(script.origin)) return null;
    const key = `${projectId} ${script.origin}${script.pathname}`;
    const failed = this.failures.get(key);
    if (failed && this.now() - failed.at < FAILURE_TTL_MS) return { missing: failed.reason };
    const own = [script.origin];
    const js = await fetchAsset(script.href, own, LIMITS, (t) => TEXT_TYPES.test(t));
    const tail = js.ok
      ? js.bytes
          .subarray(Math.max(0, js.bytes.length - 4096))
          .toString('utf8')
          .split('\n')
          .reverse()
      : [];
    const ref = tail.map((l) => MAPPING_URL.exec(l.trim())?.[1]).find((x) => x !== undefined);
    const mapUrl = ref && !ref.startsWith('data:') ? safeUrl(ref, script) : null;
    if (!mapUrl || mapUrl.origin !== script.origin) return this.fail(key, 'no_map');
    const got = await this.cache
      .get(`fetch ${projectId} ${mapUrl.href}`, async () => {
        const res = await fetchAsset(mapUrl.href, own, LIMITS, (t) => TEXT_TYPES.test(t));
        if (!res.ok) throw new Error(res.error);
        return res.bytes;
      })
      .catch(() => null);
    if (!got) return this.fail(key, 'no_map');
    return 'invalid' in got ? this.fail(key, 'invalid_map') : { map: got.map };
  }

  private fail(key: string, reason: UnresolvedReason): { missing: UnresolvedReason } {
    if (this.failures.size > 10_000) this.failures.clear();
    this.failures.set(key, { at: this.now(), reason });
    return { missing: reason };
  }
}

function safeUrl(ref: string, base: URL): URL | null {
  try {
    return new URL(ref, base);
  } catch {
    return null;
  }
}
