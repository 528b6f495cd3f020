/** The exported session's facts, as the session page's header shows them, and what the file holds. */
import type { HtmlExportData } from '@reprise/protocol';
import { environment, humanDuration, localDateTime } from '../format';

export function ExportHeader({ data }: { data: HtmlExportData }) {
  const s = data.session;
  const version = (name: string | null, v: string | null) => (name && v ? `${name} ${v}` : name);
  const tags = Object.entries(s.tags ?? {});
  return (
    <div className="session-header">
      <h1 className="url" title={s.firstUrl ?? ''}>
        {s.firstUrl ?? 'Unknown page'}
      </h1>
      <dl className="facts">
        <div>
          <dt>Environment</dt>
          <dd title={s.userAgent ?? ''}>
            {environment({ browser: version(s.browser, s.browserVersion), os: version(s.os, s.osVersion), device: s.device })}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{localDateTime(s.startedAt)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{humanDuration(s.durationMs)}</dd>
        </div>
        {data.range && (
          <div>
            <dt>Exported part</dt>
            <dd data-testid="export-range">
              {humanDuration(data.range.from - s.startedAt)} to {humanDuration(data.range.to - s.startedAt)}
            </dd>
          </div>
        )}
        {s.linkLabel && (
          <div>
            <dt>Link</dt>
            <dd>{s.linkLabel}</dd>
          </div>
        )}
        {s.userId && (
          <div>
            <dt>User</dt>
            <dd>{s.userId}</dd>
          </div>
        )}
        {tags.length > 0 && (
          <div>
            <dt>Tags</dt>
            <dd>{tags.map(([k, v]) => `${k}=${v}`).join(', ')}</dd>
          </div>
        )}
        <div>
          <dt>Exported</dt>
          <dd>{localDateTime(data.exportedAt)}</dd>
        </div>
      </dl>
      {data.assetsLeftOut > 0 && (
        <p className="warning">
          {data.assetsLeftOut} captured asset{data.assetsLeftOut === 1 ? ' was' : 's were'} too large to include; the replay shows them as
          missing.
        </p>
      )}
    </div>
  );
}
