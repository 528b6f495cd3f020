import { BLOCKED_ASSET_URL, mapCssUrls } from '@reprise/protocol';
import { hasAssetStore } from '../../assets/types.js';
import type { Store } from '../../store/types.js';

/** One asset larger than this is left out of an export (shown as missing): a file to attach to a ticket, not an archive. */
export const MAX_EXPORT_ASSET_BYTES = 2 * 1024 * 1024;
/** All inlined assets together (before base64). */
export const MAX_EXPORT_ASSETS_BYTES = 16 * 1024 * 1024;
/** Rows read per session: what the viewer's asset list shows is capped alike. */
const MAX_ROWS = 5000;

export interface InlinedAssets {
  /** Absolute URL → `data:` URL. */
  byUrl: Record<string, string>;
  /** Stored assets left out by the size caps. */
  leftOut: number;
}

export interface AssetCaps {
  perAsset: number;
  total: number;
}

const MIME = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/i;

/**
 * The session's captured assets as `data:` URLs, as the viewer would load them from the asset
 * route: only in the `capture` and `proxy` modes, only what is stored (nothing is fetched now),
 * stylesheets with their own `url()`s pointing at the inlined copies (or blanked).
 */
export async function inlineSessionAssets(
  store: Store,
  sessionId: string,
  projectId: string,
  caps: AssetCaps = { perAsset: MAX_EXPORT_ASSET_BYTES, total: MAX_EXPORT_ASSETS_BYTES },
): Promise<InlinedAssets> {
  const out: InlinedAssets = { byUrl: {}, leftOut: 0 };
  if (!hasAssetStore(store)) return out;
  const mode = await store.assets.getAssetMode(projectId);
  if (mode !== 'capture' && mode !== 'proxy') return out;
  const rows = (await store.assets.listSessionAssets(sessionId, MAX_ROWS)).filter(
    (a) => a.status === 'stored' && a.hash && a.contentType && a.bytes !== null,
  );
  // Smallest first, so the cap leaves out the few large files rather than many small ones; sheets
  // last, so the assets they name are inlined before their text is rewritten.
  rows.sort((a, b) => Number(a.contentType === 'text/css') - Number(b.contentType === 'text/css') || a.bytes! - b.bytes!);
  let total = 0;
  for (const a of rows) {
    if (a.bytes! > caps.perAsset || total + a.bytes! > caps.total) {
      out.leftOut++;
      continue;
    }
    let body = await store.assetBlobs.get({ projectId, hash: a.hash! });
    if (body.length > caps.perAsset || total + body.length > caps.total) {
      out.leftOut++;
      continue;
    }
    const type = MIME.test(a.contentType!) ? a.contentType!.toLowerCase() : 'application/octet-stream';
    if (type === 'text/css') {
      body = Buffer.from(
        mapCssUrls(body.toString('utf8'), a.url, (u) => out.byUrl[u] ?? BLOCKED_ASSET_URL),
        'utf8',
      );
    }
    total += body.length;
    out.byUrl[a.url] = `data:${type};base64,${body.toString('base64')}`;
  }
  return out;
}
