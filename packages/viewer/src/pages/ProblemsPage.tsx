/**
 * Top problems across sessions: failing endpoints, JS errors, rage and dead clicks. Every
 * row links to the session list searching for that row's `query`, i.e. the affected sessions.
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  isAbort,
  problemClicks,
  problemEndpoints,
  problemErrors,
  type ClickProblem,
  type ErrorGroup,
  type FailingEndpoint,
  type ProblemList,
} from '../api';
import { localDateTime } from '../format';
import { Link } from '../router';
import { sessionListUrl } from '../search/url';

type Loaded<T> = { rows: T[]; since: number } | { error: string } | null;

function useProblems<T>(load: (signal: AbortSignal) => Promise<ProblemList<T>>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    load(ctrl.signal).then(
      (list) => setState({ rows: list.rows, since: list.since }),
      (err: unknown) => {
        if (!isAbort(err)) setState({ error: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => ctrl.abort();
  }, [load]);
  return state;
}

const HOUR = 3_600_000;
const WINDOWS: [string, number][] = [
  ['Last 24 hours', 24 * HOUR],
  ['Last 7 days', 7 * 24 * HOUR],
  ['Last 30 days', 30 * 24 * HOUR],
];

export function ProblemsPage() {
  const [windowMs, setWindowMs] = useState(WINDOWS[1]![1]);
  const since = useMemo(() => Date.now() - windowMs, [windowMs]);
  const endpoints = useProblems(useCallback((signal: AbortSignal) => problemEndpoints(since, signal), [since]));
  const errors = useProblems(useCallback((signal: AbortSignal) => problemErrors(since, signal), [since]));
  const clicks = useProblems(useCallback((signal: AbortSignal) => clickProblems(since, signal), [since]));

  return (
    <main className="page problems-page">
      <div className="list-head">
        <h1>Problems</h1>
        <label className="sort">
          <span className="muted">Window</span>
          <select value={windowMs} onChange={(e) => setWindowMs(Number(e.target.value))} data-testid="problems-window">
            {WINDOWS.map(([label, ms]) => (
              <option key={ms} value={ms}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted">
        What went wrong most in sessions recorded since {localDateTime(since)}. Each row opens the sessions it happened in.
      </p>

      <Section title="Failing endpoints" testId="problems-endpoints" state={endpoints} empty="No failing requests.">
        {(rows: FailingEndpoint[]) => <EndpointsTable rows={rows} />}
      </Section>

      <Section title="Errors" testId="problems-errors" state={errors} empty="No JavaScript errors.">
        {(rows: ErrorGroup[]) => <ErrorsTable rows={rows} />}
      </Section>

      <Section title="Rage and dead clicks" testId="problems-clicks" state={clicks} empty="No rage or dead clicks.">
        {(rows: ClickProblem[]) => <ClicksTable rows={rows} />}
      </Section>
    </main>
  );
}

function Section<T>({
  title,
  testId,
  state,
  empty,
  children,
}: {
  title: string;
  testId: string;
  state: Loaded<T>;
  empty: string;
  children: (rows: T[]) => ReactNode;
}) {
  return (
    <section className="problem-section" data-testid={testId} aria-labelledby={`${testId}-title`}>
      <h2 id={`${testId}-title`}>{title}</h2>
      {state === null && <p className="muted">Loading…</p>}
      {state && 'error' in state && (
        <p className="error" role="alert">
          Could not load {title.toLowerCase()}: {state.error}
        </p>
      )}
      {state && 'rows' in state && state.rows.length === 0 && <p className="muted">{empty}</p>}
      {state && 'rows' in state && state.rows.length > 0 && children(state.rows)}
    </section>
  );
}

function ProblemTable({ head, children }: { head: string[]; children: ReactNode }) {
  return (
    <table className="sessions problem-table">
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h}>{h}</th>
          ))}
          <th className="num">Count</th>
          <th className="num">Sessions</th>
          <th>Last seen</th>
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** A row: its own cells, then count, sessions (a link to them) and last seen. */
function Row({ row, label, children }: { row: FailingEndpoint | ErrorGroup | ClickProblem; label: string; children: ReactNode }) {
  return (
    <tr data-testid="problem-row" data-query={row.query}>
      {children}
      <td className="num">{row.count}</td>
      <td className="num">
        <Link to={sessionListUrl(row.query)} aria-label={`${row.sessions} sessions with ${label}`}>
          {row.sessions}
        </Link>
      </td>
      <td className="nowrap">{localDateTime(row.lastSeen)}</td>
    </tr>
  );
}

function EndpointsTable({ rows }: { rows: FailingEndpoint[] }) {
  return (
    <ProblemTable head={['Method', 'Route', 'Statuses']}>
      {rows.map((r) => (
        <Row key={`${r.method} ${r.route}`} row={r} label={`${r.method} ${r.route}`}>
          <td className="nowrap">
            <code>{r.method}</code>
          </td>
          <td className="url" title={r.route}>
            <Link to={sessionListUrl(r.query)} data-testid="problem-link">
              <code>{r.route}</code>
            </Link>
          </td>
          <td className="nowrap">
            {r.statuses.map((s) => (
              <span key={s} className={`status-chip ${s === 0 || s >= 500 ? 'bad' : 'warn'}`}>
                {s === 0 ? 'failed' : s}
              </span>
            ))}
          </td>
        </Row>
      ))}
    </ProblemTable>
  );
}

function ErrorsTable({ rows }: { rows: ErrorGroup[] }) {
  return (
    <ProblemTable head={['Name', 'Message', 'Example']}>
      {rows.map((r) => (
        <Row key={`${r.name ?? ''}:${r.message}`} row={r} label={r.message}>
          <td className="nowrap">{r.name ?? <span className="muted">—</span>}</td>
          <td className="message" title={r.message}>
            <Link to={sessionListUrl(r.query)} data-testid="problem-link">
              {r.message}
            </Link>
          </td>
          <td className="message muted" title={r.example}>
            {r.example}
            {r.top && (
              <div className="problem-top" data-testid="problem-top">
                at {r.top}
              </div>
            )}
          </td>
        </Row>
      ))}
    </ProblemTable>
  );
}

function ClicksTable({ rows }: { rows: ClickProblem[] }) {
  return (
    <ProblemTable head={['Type', 'Selector', 'Text']}>
      {rows.map((r) => (
        <Row key={`${r.type}:${r.selector}`} row={r} label={`${r.type} click on ${r.selector}`}>
          <td className="nowrap">
            <span className={`problem problem-${r.type}`}>{r.type}</span>
          </td>
          <td className="url" title={r.selector}>
            <Link to={sessionListUrl(r.query)} data-testid="problem-link">
              <code>{r.selector}</code>
            </Link>
          </td>
          <td className="message">{r.text ?? <span className="muted">—</span>}</td>
        </Row>
      ))}
    </ProblemTable>
  );
}

/** Rage and dead clicks in one list, most frequent first. */
async function clickProblems(since: number, signal: AbortSignal): Promise<ProblemList<ClickProblem>> {
  const [rage, dead] = await Promise.all([problemClicks('rage', since, signal), problemClicks('dead', since, signal)]);
  const rows = [...rage.rows, ...dead.rows].sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen);
  return { rows, since };
}
