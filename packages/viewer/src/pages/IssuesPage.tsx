/**
 * Errors grouped into issues (docs/issues.md): each with its count, sessions, identified users,
 * first and last seen, releases and a 14-day sparkline, and actions to resolve, ignore or reopen
 * it. An issue opens its sessions (IssuePage).
 */
import { useEffect, useState } from 'react';
import { isAbort, listIssues, setIssueStatus, type Issue, type IssueStatus } from '../api';
import { localDateTime } from '../format';
import { Link } from '../router';
import { Sparkline } from './Sparkline';

type Loaded = { issues: Issue[] } | { error: string } | null;
const FILTERS: [string, IssueStatus | null][] = [
  ['Open', 'open'],
  ['Resolved', 'resolved'],
  ['Ignored', 'ignored'],
  ['All', null],
];

export function IssuesPage() {
  const [status, setStatus] = useState<IssueStatus | null>('open');
  const [state, setState] = useState<Loaded>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    listIssues(status, ctrl.signal).then(
      (issues) => setState({ issues }),
      (err: unknown) => {
        if (!isAbort(err)) setState({ error: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => ctrl.abort();
  }, [status, reload]);

  return (
    <main className="page issues-page">
      <div className="list-head">
        <h1>Issues</h1>
        <label className="sort">
          <span className="muted">Status</span>
          <select
            value={status ?? ''}
            onChange={(e) => setStatus((e.target.value || null) as IssueStatus | null)}
            data-testid="issues-status"
          >
            {FILTERS.map(([label, value]) => (
              <option key={label} value={value ?? ''}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted">JavaScript errors grouped by type, normalised message and top frames. Each issue opens its sessions.</p>
      {state === null && <p className="muted">Loading…</p>}
      {state && 'error' in state && (
        <p className="error" role="alert">
          Could not load issues: {state.error}
        </p>
      )}
      {state && 'issues' in state && state.issues.length === 0 && <p className="muted">No issues.</p>}
      {state && 'issues' in state && state.issues.length > 0 && (
        <IssuesTable issues={state.issues} changed={() => setReload((n) => n + 1)} />
      )}
    </main>
  );
}

function IssuesTable({ issues, changed }: { issues: Issue[]; changed: () => void }) {
  return (
    <table className="sessions problem-table issues-table">
      <thead>
        <tr>
          <th>Issue</th>
          <th className="num">Count</th>
          <th className="num">Sessions</th>
          <th className="num">Users</th>
          <th>Last 14 days</th>
          <th>First seen</th>
          <th>Last seen</th>
          <th>Releases</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {issues.map((i) => (
          <tr key={i.id} data-testid="issue-row" data-issue={i.id}>
            <td className="message" title={`${i.type}: ${i.message}`}>
              <Link to={`/issues/${encodeURIComponent(i.id)}`} data-testid="issue-link">
                <strong>{i.type}</strong> {i.message}
              </Link>
            </td>
            <td className="num" data-testid="issue-count">
              {i.count}
            </td>
            <td className="num">{i.sessions}</td>
            <td className="num">{i.users}</td>
            <td>
              <Sparkline values={i.daily} label={`${i.daily.reduce((a, b) => a + b, 0)} in the last ${i.daily.length} days`} />
            </td>
            <td className="nowrap">{localDateTime(i.firstSeen)}</td>
            <td className="nowrap">{localDateTime(i.lastSeen)}</td>
            <td className="message">{i.releases.length ? i.releases.join(', ') : <span className="muted">—</span>}</td>
            <td className="nowrap">
              <StatusActions issue={i} changed={changed} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The issue's status, and the buttons that change it. */
export function StatusActions({ issue, changed }: { issue: Issue; changed: (i: Issue) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function set(status: IssueStatus): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      changed(await setIssueStatus(issue.id, status));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  const actions: [IssueStatus, string][] =
    issue.status === 'open'
      ? [
          ['resolved', 'Resolve'],
          ['ignored', 'Ignore'],
        ]
      : [['open', 'Reopen']];
  return (
    <span className="issue-status">
      <span className={`status-chip ${issue.status === 'open' ? 'bad' : 'warn'}`} data-testid="issue-status">
        {issue.status}
        {issue.status === 'resolved' && issue.resolvedIn ? ` in ${issue.resolvedIn}` : ''}
      </span>
      {actions.map(([status, label]) => (
        <button key={status} type="button" className="link-button" disabled={busy} onClick={() => void set(status)}>
          {label}
        </button>
      ))}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
