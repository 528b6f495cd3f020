/**
 * "Export test": the session as a Playwright test (server: export/playwright, docs/playwright-export.md).
 * Plain download links: the API answers with `content-disposition: attachment`, and the login
 * cookie goes along as with any same-origin GET.
 */
export function playwrightUrl(id: string, opts: { fromMs?: number; file?: 'spec' | 'har' } = {}): string {
  const q = new URLSearchParams();
  if (opts.fromMs !== undefined && opts.fromMs > 0) q.set('from', String(Math.round(opts.fromMs)));
  if (opts.file === 'har') q.set('file', 'har');
  const query = q.toString();
  return `/api/v1/sessions/${encodeURIComponent(id)}/playwright${query ? `?${query}` : ''}`;
}

export function ExportTest({ id, nowMs }: { id: string; nowMs: number }) {
  return (
    <p className="export-test" data-testid="export-test">
      <a href={playwrightUrl(id)} download title="A Playwright test that replays this session against its recorded responses">
        Export test
      </a>{' '}
      <a
        href={playwrightUrl(id, { fromMs: nowMs })}
        download
        data-testid="export-test-from-here"
        title="Only the steps from the playhead on (the page open at that moment is the start)"
      >
        from here
      </a>{' '}
      <a href={playwrightUrl(id, { file: 'har' })} download title="The recorded fetch/XHR calls as a HAR file">
        HAR
      </a>
    </p>
  );
}
