import type { SessionCounts } from '@reprise/protocol';

/** What went wrong in a session, at a glance in the list: errors, console errors, failed requests. */
export function ProblemBadges({ counts }: { counts: SessionCounts | undefined }) {
  if (!counts) return null;
  const failed = counts.network4xx + counts.network5xx + counts.networkFailed;
  const items: [string, number, string][] = [
    ['errors', counts.errors, `${counts.errors} JS error${counts.errors === 1 ? '' : 's'}`],
    ['console', counts.consoleErrors, `${counts.consoleErrors} console error${counts.consoleErrors === 1 ? '' : 's'}`],
    ['network', failed, `${counts.network4xx} 4xx, ${counts.network5xx} 5xx, ${counts.networkFailed} failed requests`],
    ['feedback', counts.feedback ?? 0, `${counts.feedback ?? 0} feedback report${counts.feedback === 1 ? '' : 's'}`],
  ];
  const shown = items.filter(([, n]) => n > 0);
  if (shown.length === 0) return <span className="muted">—</span>;
  return (
    <span className="problems">
      {shown.map(([kind, n, title]) => (
        <span key={kind} className={`problem problem-${kind}`} title={title} data-testid={`problem-${kind}`}>
          {n} {kind === 'errors' ? 'err' : kind === 'console' ? 'console' : kind === 'feedback' ? 'feedback' : 'req'}
        </span>
      ))}
    </span>
  );
}
