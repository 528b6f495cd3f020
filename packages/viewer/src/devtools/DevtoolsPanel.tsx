/**
 * The panel beside the player: Console, Network, Errors, Feedback, Steps and Environment tabs,
 * all on the player's clock (entries after the playhead dimmed, the current one highlighted, clicks seek).
 */
import { useMemo, useState } from 'react';
import type { SessionCounts } from '@reprise/protocol';
import './devtools.css';
import { ConsolePanel } from './ConsolePanel';
import { EnvironmentPanel } from './EnvironmentPanel';
import { ErrorsPanel } from './ErrorsPanel';
import { FeedbackPanel } from './FeedbackPanel';
import { levelGroup } from './filters';
import { isNetworkError, unreadableOf, type Devtools } from './model';
import { ErrorBoundary, PartFailed } from '../ErrorBoundary';
import { NetworkPanel } from './NetworkPanel';
import { StepsPanel } from './StepsPanel';
import { StackResolver, StackResolverContext } from './stackResolver';
import { resolveStacks } from '../api';

type Tab = 'console' | 'network' | 'errors' | 'feedback' | 'steps' | 'environment';

interface Props {
  /** The session shown (the Steps tab asks the server for its steps). */
  sessionId?: string;
  /** Null while events load. */
  devtools: Devtools | null;
  /** Server-side counts, shown until the events are here (absent on older servers). */
  counts?: SessionCounts;
  nowMs: number;
  onSeek: (offsetMs: number) => void;
}

interface TabCounts {
  total: number | null;
  /** Problems within the tab (errors, warnings, failed requests), shown as a badge. */
  bad: number;
}

function tabCounts(dt: Devtools | null, c: SessionCounts | undefined): Record<Tab, TabCounts> {
  if (!dt) {
    return {
      console: { total: null, bad: c ? c.consoleErrors : 0 },
      network: { total: null, bad: c ? c.network4xx + c.network5xx + c.networkFailed : 0 },
      errors: { total: c ? c.errors : null, bad: c ? c.errors : 0 },
      feedback: { total: c?.feedback ?? null, bad: 0 },
      steps: { total: null, bad: 0 },
      environment: { total: null, bad: 0 },
    };
  }
  const u = (kind: Parameters<typeof unreadableOf>[1]) => unreadableOf(dt, kind).length;
  return {
    console: { total: dt.console.length + u('console'), bad: dt.console.filter((e) => levelGroup(e.data.level) === 'error').length },
    network: { total: dt.network.length + u('network'), bad: dt.network.filter((e) => isNetworkError(e.data)).length },
    errors: { total: dt.errors.length + u('error'), bad: dt.errors.length + u('error') },
    feedback: { total: dt.feedback.length + u('feedback'), bad: 0 },
    steps: { total: null, bad: 0 },
    environment: { total: null, bad: 0 },
  };
}

const LABELS: Record<Tab, string> = {
  console: 'Console',
  network: 'Network',
  errors: 'Errors',
  feedback: 'Feedback',
  steps: 'Steps',
  environment: 'Environment',
};

export function DevtoolsPanel({ sessionId, devtools, counts, nowMs, onSeek }: Props) {
  const [tab, setTab] = useState<Tab>('console');
  const n = useMemo(() => tabCounts(devtools, counts), [devtools, counts]);
  // One resolver per session: the stacks of every panel resolve through its source maps, once.
  const resolver = useMemo(() => (sessionId ? new StackResolver(sessionId, resolveStacks) : null), [sessionId]);

  return (
    <StackResolverContext.Provider value={resolver}>
      <aside className="devtools" aria-label="Recorded devtools">
        <div className="dt-tabs" role="tablist">
          {(Object.keys(LABELS) as Tab[]).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              data-testid={`tab-${t}`}
              aria-selected={tab === t}
              className={tab === t ? 'dt-tabbtn on' : 'dt-tabbtn'}
              onClick={() => setTab(t)}
            >
              {LABELS[t]}
              {n[t].total !== null && t !== 'errors' && <span className="dt-count">{n[t].total}</span>}
              {n[t].bad > 0 && (
                <span className="dt-count bad" title={t === 'errors' ? 'errors' : 'errors in this tab'}>
                  {n[t].bad}
                </span>
              )}
              {t === 'errors' && n[t].bad === 0 && n[t].total !== null && <span className="dt-count">0</span>}
            </button>
          ))}
        </div>
        {!devtools ? (
          <p className="dt-empty muted">Loading events…</p>
        ) : (
          // Keyed by tab: a panel that failed is tried again when its tab is chosen anew.
          <ErrorBoundary
            resetKey={`${tab}:${devtools.startTime}`}
            fallback={(error, retry) => <PartFailed what={`${LABELS[tab]} panel`} error={error} retry={retry} />}
          >
            {tab === 'console' ? (
              <ConsolePanel entries={devtools.console} unreadable={unreadableOf(devtools, 'console')} nowMs={nowMs} onSeek={onSeek} />
            ) : tab === 'network' ? (
              <NetworkPanel
                entries={devtools.network}
                unreadable={unreadableOf(devtools, 'network')}
                durationMs={devtools.durationMs}
                nowMs={nowMs}
                onSeek={onSeek}
              />
            ) : tab === 'errors' ? (
              <ErrorsPanel entries={devtools.errors} unreadable={unreadableOf(devtools, 'error')} nowMs={nowMs} onSeek={onSeek} />
            ) : tab === 'feedback' ? (
              <FeedbackPanel entries={devtools.feedback} unreadable={unreadableOf(devtools, 'feedback')} nowMs={nowMs} onSeek={onSeek} />
            ) : tab === 'steps' ? (
              sessionId ? (
                <StepsPanel sessionId={sessionId} startTime={devtools.startTime} nowMs={nowMs} onSeek={onSeek} />
              ) : (
                <p className="dt-empty muted">No session.</p>
              )
            ) : (
              <EnvironmentPanel
                env={devtools.env}
                vitals={devtools.vitals}
                unreadable={unreadableOf(devtools, 'env', 'vital')}
                onSeek={onSeek}
              />
            )}
          </ErrorBoundary>
        )}
      </aside>
    </StackResolverContext.Provider>
  );
}
