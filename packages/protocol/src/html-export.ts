/**
 * The data inlined in a self-contained HTML export (docs/html-export.md): one JSON document in a
 * `<script type="application/json" id="reprise-export">` that the export's bundle reads instead of
 * the API. Written by the server (`export/html/`), read by the viewer (`src/export/`).
 */
import type { ReplayEvent } from './types.js';

export const HTML_EXPORT_FORMAT = 'reprise-html-export';
export const HTML_EXPORT_VERSION = 1;
/** The id of the data element in the exported file. */
export const HTML_EXPORT_DATA_ID = 'reprise-export';

/** The session facts the viewer's session header shows, and nothing more (no IP, no project). */
export interface HtmlExportSession {
  id: string;
  firstUrl: string | null;
  startedAt: number;
  durationMs: number;
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  device: string | null;
  userAgent: string | null;
  userId: string | null;
  linkLabel: string | null;
  tags: Record<string, string>;
}

export interface HtmlExportData {
  format: typeof HTML_EXPORT_FORMAT;
  version: typeof HTML_EXPORT_VERSION;
  exportedAt: number;
  session: HtmlExportSession;
  /**
   * The slice exported (epoch ms, inclusive), null for the whole session. The events start earlier,
   * at the full snapshot the first moment is rebuilt from; the replay opens at `from`.
   */
  range: { from: number; to: number } | null;
  /** Captured assets the events reference: absolute URL → `data:` URL. Any other asset URL is blanked. */
  assets: Record<string, string>;
  /** Captured assets left out: over the per-asset or per-file size cap. */
  assetsLeftOut: number;
  /** `{t, kind, data}` as stored (redacted at capture), in time order. */
  events: ReplayEvent[];
}
