/**
 * Where the replay loads the recorded page's assets from (issue: replays used to fetch images,
 * fonts and stylesheets from the recorded site while someone watched, telling it who and when).
 * Per the project's asset mode (`@reprise/protocol` AssetMode), every asset URL in the events the
 * player gets is rewritten before rrweb sees them:
 * - `capture` and `proxy`: to the Reprise route of the session (`assetRoute`); what Reprise has
 *   not stored answers 404 and shows as missing, never falls back to the site;
 * - `block`: to an empty `data:` URL, so nothing is requested at all;
 * - `origin`: left as recorded.
 * Links that are not assets (prefetch, preconnect…) are blanked in every mode but `origin`.
 * The events are rewritten in place, once, as they arrive from the API (before anything else
 * holds them).
 */
import { getSessionAssetMode, isAbort } from '../api';
import {
  assetRoute,
  BLOCKED_ASSET_URL,
  DEFAULT_ASSET_MODE,
  mapEventAssetUrls,
  MAX_ASSET_URL_LENGTH,
  rrwebMetaHref,
  type AssetMode,
  type ReplayEvent,
} from '@reprise/protocol';

export class AssetRewriter {
  /** The page URL relative URLs resolve against: the latest rrweb Meta or `meta` event seen. */
  private base: string | null = null;
  private readonly map: (url: string) => string;

  /** `map` replaces the mode's rule (the HTML export: captured assets inlined as data). */
  constructor(
    readonly sessionId: string,
    readonly mode: AssetMode,
    map?: (url: string) => string,
  ) {
    this.map =
      map ??
      (mode === 'block'
        ? () => BLOCKED_ASSET_URL
        : (url) => (url.length <= MAX_ASSET_URL_LENGTH ? assetRoute(sessionId, url) : BLOCKED_ASSET_URL));
  }

  /** Rewrites the rrweb events among `events` in place and returns `events`. */
  events(events: ReplayEvent[]): ReplayEvent[] {
    if (this.mode === 'origin') return events;
    for (const e of events) {
      if (e.kind === 'meta') {
        const url = (e.data as { url?: unknown } | null)?.url;
        if (typeof url === 'string') this.base = url;
      } else if (e.kind === 'dom') this.rrweb(e.data);
    }
    return events;
  }

  /** One rrweb event (`eventWithTime`), in place. */
  rrweb(event: unknown): void {
    if (this.mode === 'origin') return;
    this.base = rrwebMetaHref(event) ?? this.base;
    mapEventAssetUrls(event, this.base, this.map, { nonAssetLink: BLOCKED_ASSET_URL });
  }
}

/** The session's rewriter. Should the mode not be readable, assets go to Reprise (`capture`): never to the site. */
export async function sessionAssets(id: string, signal: AbortSignal): Promise<AssetRewriter> {
  const mode = await getSessionAssetMode(id, signal).catch((err: unknown) => {
    if (isAbort(err)) throw err;
    return DEFAULT_ASSET_MODE;
  });
  return new AssetRewriter(id, mode);
}
