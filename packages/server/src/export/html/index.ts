/**
 * A session as one self-contained HTML file (docs/html-export.md): the viewer's export bundle
 * (player and devtools panels) and the session's events and captured assets inlined, behind a CSP
 * that lets only that bundle run and loads nothing from the network. Written as a stream of text,
 * event by event, so a long session is never one string in memory.
 */
import {
  HTML_EXPORT_DATA_ID,
  HTML_EXPORT_FORMAT,
  HTML_EXPORT_VERSION,
  type HtmlExportSession,
  type ReplayEvent,
  type SessionDetail,
} from '@reprise/protocol';
import type { Store } from '../../store/types.js';
import { parseRange, RangeParamError, type ExportRange } from '../playwright/range.js';
import { inlineSessionAssets, type AssetCaps } from './assets.js';
import { loadExportBundle, type ExportBundle } from './bundle.js';
import { htmlSafeJson } from './json.js';

export { RangeParamError };
export { ExportBundleMissing } from './bundle.js';

export interface HtmlExportOptions {
  /** ms from the session start or ISO time (see playwright/range.ts); both absent: the whole session. */
  from?: string;
  to?: string;
  /** The viewer's export build; the default location otherwise. */
  bundleDir?: string;
  assetCaps?: AssetCaps;
  /** An event that cannot be serialized (stored before ingest bounded depth) is left out and reported here. */
  onUnreadable?: (e: ReplayEvent, err: unknown) => void;
  now?: number;
}

export interface HtmlExport {
  filename: string;
  /** The file's text, in pieces. */
  body: AsyncIterable<string>;
}

/**
 * Only the network and the recording's own scripts are shut out: the bundle's one inline script
 * (by hash), inline styles and data: for everything a replay shows. rrweb's replay iframe is
 * about:blank and inherits this policy, so a recorded `<img src=https://…>` cannot load even
 * should a URL escape the rewriting.
 */
export function exportCsp(scriptHash: string): string {
  return [
    "default-src 'none'",
    `script-src ${scriptHash}`,
    "style-src 'unsafe-inline' data:",
    'img-src data: blob:',
    'font-src data:',
    'media-src data: blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Null when there is no such session; throws RangeParamError for a bad `from`/`to`, ExportBundleMissing without a build. */
export async function exportHtml(store: Store, sessionId: string, opts: HtmlExportOptions = {}): Promise<HtmlExport | null> {
  const detail = await store.getSession(sessionId);
  if (!detail) return null;
  const ranged = (opts.from !== undefined && opts.from !== '') || (opts.to !== undefined && opts.to !== '');
  const range = ranged ? parseRange(opts.from, opts.to, detail.startedAt, detail.endedAt) : null;
  const bundle = await loadExportBundle(opts.bundleDir);
  const readFrom = range ? await replayFrom(store, sessionId, range.from) : undefined;
  const assets = await inlineSessionAssets(store, sessionId, detail.projectId, opts.assetCaps);
  const head = {
    format: HTML_EXPORT_FORMAT,
    version: HTML_EXPORT_VERSION,
    exportedAt: opts.now ?? Date.now(),
    session: headerFacts(detail),
    range,
    assets: assets.byUrl,
    assetsLeftOut: assets.leftOut,
  };
  const events = range ? store.streamEvents(sessionId, { from: readFrom, to: range.to }) : store.streamEvents(sessionId);
  const suffix = range ? `-${Math.round(range.from - detail.startedAt)}-${Math.round(range.to - detail.startedAt)}` : '';
  return {
    filename: `reprise-${sessionId.replace(/[^A-Za-z0-9_-]/g, '_')}${suffix}.html`,
    body: document(bundle, detail, head, events, range, opts.onUnreadable),
  };
}

/** What the session page's header shows: no project, no IP, no counts. */
function headerFacts(d: SessionDetail): HtmlExportSession {
  return {
    id: d.id,
    firstUrl: d.firstUrl,
    startedAt: d.startedAt,
    durationMs: d.durationMs,
    browser: d.browser,
    browserVersion: d.browserVersion,
    os: d.os,
    osVersion: d.osVersion,
    device: d.device,
    userAgent: d.userAgent,
    userId: d.userId,
    linkLabel: d.linkLabel,
    tags: d.tags,
  };
}

/** Where the events of a slice starting at `from` must begin: the Meta of the last full snapshot at or before it. */
async function replayFrom(store: Store, sessionId: string, from: number): Promise<number> {
  const index = await store.getSessionTimeline(sessionId);
  const snapshots = index?.snapshots ?? [];
  if (snapshots.length === 0) return -Infinity;
  const s = snapshots.filter((x) => x.startT <= from).pop() ?? snapshots[0]!;
  return Math.min(s.startT, from);
}

async function* document(
  bundle: ExportBundle,
  detail: SessionDetail,
  head: object,
  groups: AsyncIterable<ReplayEvent[]>,
  range: ExportRange | null,
  onUnreadable: ((e: ReplayEvent, err: unknown) => void) | undefined,
): AsyncGenerator<string> {
  yield [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${exportCsp(bundle.scriptHash)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`Reprise session: ${detail.firstUrl ?? detail.id}`)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${bundle.style}</style>`,
    '</head>',
    '<body>',
    '<div id="root"></div>',
    `<script type="application/json" id="${HTML_EXPORT_DATA_ID}">`,
  ].join('\n');
  const open = htmlSafeJson(head);
  yield `${open.slice(0, -1)},"events":[`;
  let first = true;
  for await (const group of groups) {
    let text = '';
    for (const e of group) {
      // A slice keeps the DOM events its first frame is built from, not the console or requests before it.
      if (range && e.kind !== 'dom' && e.t < range.from) continue;
      try {
        text += (first ? '\n' : ',\n') + htmlSafeJson({ t: e.t, kind: e.kind, data: e.data });
        first = false;
      } catch (err) {
        onUnreadable?.(e, err);
      }
    }
    if (text) yield text;
  }
  yield `\n]}</script>\n<script type="module">${bundle.script}</script>\n</body>\n</html>\n`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
