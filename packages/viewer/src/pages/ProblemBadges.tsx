import type { SessionCounts } from '@reprise/protocol';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What went wrong in a session, at a glance in the list: errors, console errors, failed
 * requests, feedback, and the frustration signals (rage, dead and error clicks).
 */
export function ProblemBadges({ counts }: { counts: SessionCounts | undefined }) {
  if (!counts) return null;
  const failed = counts.network4xx + counts.network5xx + counts.networkFailed;
  const items: [string, number, string][] = [
    ['errors', counts.errors, `${counts.errors} JS error${counts.errors === 1 ? '' : 's'}`],
    ['console', counts.consoleErrors, `${counts.consoleErrors} console error${counts.consoleErrors === 1 ? '' : 's'}`],
    ['network', failed, `${counts.network4xx} 4xx, ${counts.network5xx} 5xx, ${counts.networkFailed} failed requests`],
    ['feedback', counts.feedback ?? 0, `${counts.feedback ?? 0} feedback report${counts.feedback === 1 ? '' : 's'}`],
    ['rage', counts.rageClicks ?? 0, `${plural(counts.rageClicks ?? 0, 'rage click')}: repeated clicks in one spot`],
    ['dead', counts.deadClicks ?? 0, `${plural(counts.deadClicks ?? 0, 'dead click')}: nothing happened after the click`],
    ['error-click', counts.errorClicks ?? 0, `${plural(counts.errorClicks ?? 0, 'error click')}: an error followed the click`],
    ['backend', counts.backendErrors ?? 0, `${plural(counts.backendErrors ?? 0, 'backend error')} in the traces of recorded requests`],
  ];
  const shown = items.filter(([, n]) => n > 0);
  if (shown.length === 0) return <span className="muted">—</span>;
  return (
    <span className="problems">
      {shown.map(([kind, n, title]) => (
        <span key={kind} className={`problem problem-${kind}`} title={title} data-testid={`problem-${kind}`}>
          {n} {LABELS[kind] ?? kind}
        </span>
      ))}
    </span>
  );
}

const LABELS: Record<string, string> = {
  errors: 'err',
  console: 'console',
  network: 'req',
  feedback: 'feedback',
  rage: 'rage',
  dead: 'dead',
  'error-click': 'error click',
  backend: 'backend',
};
