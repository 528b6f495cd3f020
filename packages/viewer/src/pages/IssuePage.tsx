/**
 * One issue: its sessions, the newest occurrence first, each opening the replay at the moment of
 * its error (`?t=`, player/deepLink.ts).
 */
import { useEffect, useState } from 'react';
import { isAbort, issueSessions, type Issue, type IssueSession } from '../api';
import { environment, localDateTime } from '../format';
import { Link } from '../router';
import { sessionListUrl } from '../search/url';
import { StatusActions } from './IssuesPage';
import { Sparkline } from './Sparkline';

type Loaded = { issue: Issue; sessions: IssueSession[] } | { error: string } | null;

/** The session page at the error: `t` is seconds from the replay's start. */
export function sessionAtError(s: IssueSession): string {
  const seconds = Math.max(0, (s.errorAt - s.session.startedAt) / 1000);
  return `/sessions/${encodeURIComponent(s.session.id)}?t=${Math.round(seconds * 10) / 10}`;
}

export function IssuePage({ id }: { id: string }) {
  const [state, setState] = useState<Loaded>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    issueSessions(id, ctrl.signal).then(
      (list) => setState(list),
      (err: unknown) => {
        if (!isAbort(err)) setState({ error: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => ctrl.abort();
  }, [id]);

  if (state === null) return <main className="page">Loading…</main>;
  if ('error' in state)
    return (
      <main className="page">
        <p className="error" role="alert">
          Could not load this issue: {state.error}
        </p>
        <Link to="/issues">Back to issues</Link>
      </main>
    );
  const { issue, sessions } = state;
  return (
    <main className="page issue-page">
      <p>
        <Link to="/issues">← Issues</Link>
      </p>
      <h1>
        {issue.type}: {issue.message}
      </h1>
      <p className="issue-facts">
        <StatusActions issue={issue} changed={(i) => setState({ issue: i, sessions })} />{' '}
        <span data-testid="issue-summary">
          {issue.count} errors in {issue.sessions} sessions, {issue.users} identified users · first seen {localDateTime(issue.firstSeen)} ·
          last seen {localDateTime(issue.lastSeen)}
          {issue.releases.length > 0 && ` · releases ${issue.releases.join(', ')}`}
        </span>{' '}
        <Sparkline values={issue.daily} label={`daily errors over the last ${issue.daily.length} days`} />{' '}
        <Link to={sessionListUrl(issue.query)}>Search these sessions</Link>
      </p>
      {sessions.length === 0 ? (
        <p className="muted">No stored session has this error any more.</p>
      ) : (
        <table className="sessions">
          <thead>
            <tr>
              <th>Error at</th>
              <th>User</th>
              <th>Environment</th>
              <th>Release</th>
              <th className="num">Errors</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.session.id} data-testid="issue-session">
                <td className="nowrap">
                  <Link to={sessionAtError(s)} data-testid="issue-session-link">
                    {localDateTime(s.errorAt)}
                  </Link>
                </td>
                <td>{s.session.userId ?? <span className="muted">anonymous</span>}</td>
                <td>{environment(s.session)}</td>
                <td>{s.release ?? <span className="muted">—</span>}</td>
                <td className="num">{s.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
