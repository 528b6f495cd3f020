/**
 * "Download": the session as one self-contained HTML file (server: export/html, docs/html-export.md)
 * that replays offline, whole or the part before or after the playhead. Plain download links, like
 * "Export test": the API answers with `content-disposition: attachment`.
 */
export function htmlExportUrl(id: string, range: { fromMs?: number; toMs?: number } = {}): string {
  const q = new URLSearchParams();
  if (range.fromMs !== undefined && range.fromMs > 0) q.set('from', String(Math.round(range.fromMs)));
  if (range.toMs !== undefined) q.set('to', String(Math.round(range.toMs)));
  const query = q.toString();
  return `/api/v1/sessions/${encodeURIComponent(id)}/export.html${query ? `?${query}` : ''}`;
}

export function DownloadExport({ id, nowMs }: { id: string; nowMs: number }) {
  return (
    <p className="export-test" data-testid="download-export">
      <a href={htmlExportUrl(id)} download title="One HTML file with the player, the panels and the events: opens offline, from disk">
        Download
      </a>{' '}
      <a href={htmlExportUrl(id, { fromMs: nowMs })} download data-testid="download-from-here" title="Only from the playhead on">
        from here
      </a>{' '}
      <a href={htmlExportUrl(id, { toMs: nowMs })} download data-testid="download-until-here" title="Only up to the playhead">
        until here
      </a>
    </p>
  );
}
