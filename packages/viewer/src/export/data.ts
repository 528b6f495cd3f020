/**
 * The HTML export's data (`HtmlExportData`, written by the server into the file): read from the
 * page's JSON element, checked enough to render, and its asset URLs rewritten to the inlined
 * copies before anything holds the events. Anything the export did not capture becomes an empty
 * `data:` URL, so the replay never asks the network for it (the file's CSP refuses it too).
 */
import { BLOCKED_ASSET_URL, HTML_EXPORT_DATA_ID, HTML_EXPORT_FORMAT, HTML_EXPORT_VERSION, type HtmlExportData } from '@reprise/protocol';
import { AssetRewriter } from '../player/assets';

/** Why the file cannot be shown, as a message for the reader. */
export class UnreadableExport extends Error {}

export function readExportData(doc: Document): HtmlExportData {
  const text = doc.getElementById(HTML_EXPORT_DATA_ID)?.textContent;
  if (!text) throw new UnreadableExport('This file holds no Reprise session.');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UnreadableExport('The session data in this file is damaged.');
  }
  const d = data as Partial<HtmlExportData> | null;
  if (d?.format !== HTML_EXPORT_FORMAT) throw new UnreadableExport('This file holds no Reprise session.');
  if (d.version !== HTML_EXPORT_VERSION)
    throw new UnreadableExport(`This export is of version ${String(d.version)}, which this file cannot read.`);
  if (!Array.isArray(d.events) || typeof d.session !== 'object' || d.session === null) {
    throw new UnreadableExport('The session data in this file is damaged.');
  }
  return { ...d, assets: typeof d.assets === 'object' && d.assets !== null ? d.assets : {} } as HtmlExportData;
}

/** Rewrites every asset URL of the events in place: the inlined copy, else blanked. */
export function inlineAssets(data: HtmlExportData): HtmlExportData {
  const assets = new Map(Object.entries(data.assets));
  new AssetRewriter(data.session.id, 'capture', (url) => assets.get(url) ?? BLOCKED_ASSET_URL).events(data.events);
  return data;
}
