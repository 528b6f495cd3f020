import type { SessionDetail } from '@reprise/protocol';
import type { WebhookEvent, WebhookFormat } from '../store/types.js';

/** What a delivery says (the `json` format's body, exactly). */
export interface WebhookPayload {
  event: WebhookEvent;
  /** Epoch ms when the server noticed it. */
  at: number;
  project: { id: string; name: string };
  session: {
    id: string;
    /** The session page in the viewer (login needed). */
    url: string;
    startedAt: number;
    firstUrl: string | null;
    userId: string | null;
  } | null;
  /** The digest's first problem chain ("what went wrong"), or its header line when nothing did. */
  summary: string;
  counts: {
    errors: number;
    failedRequests: number;
    consoleErrors: number;
    rageClicks: number;
    deadClicks: number;
    feedback: number;
  } | null;
  feedback?: { message: string };
  link?: { id: string; label: string };
  alert?: { savedSearchId: string; name: string; query: string; matches: number };
}

export function countsOf(s: SessionDetail): NonNullable<WebhookPayload['counts']> {
  const c = s.counts;
  return {
    errors: c.errors,
    failedRequests: c.network4xx + c.network5xx + c.networkFailed,
    consoleErrors: c.consoleErrors,
    rageClicks: c.rageClicks,
    deadClicks: c.deadClicks,
    feedback: c.feedback,
  };
}

const TITLES: Record<WebhookEvent, string> = {
  feedback: 'New feedback report',
  link_session: 'A support-link session started',
  alert: 'New sessions match an alert',
};

/** The request body in the webhook's format: the payload itself, or a Slack message (`text` and Block Kit `blocks`). */
export function renderBody(p: WebhookPayload, format: WebhookFormat): string {
  if (format === 'json') return JSON.stringify(p);
  const title = p.alert ? `${TITLES.alert}: ${p.alert.name} (${p.alert.matches})` : TITLES[p.event];
  const lines = [
    p.feedback ? `> ${slackEscape(p.feedback.message)}` : null,
    p.link ? `Link: ${slackEscape(p.link.label || p.link.id)}` : null,
    slackEscape(p.summary),
    p.counts
      ? `${p.counts.errors} errors · ${p.counts.failedRequests} failed requests · ${p.counts.rageClicks} rage clicks · ${p.counts.feedback} feedback`
      : null,
  ].filter((l): l is string => l !== null);
  const link = p.session ? `<${p.session.url}|Open the session>` : null;
  const text = `${title} in ${p.project.name}: ${p.summary}${p.session ? ` ${p.session.url}` : ''}`;
  return JSON.stringify({
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 2900) } },
      ...(link ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `${slackEscape(p.project.name)} · ${link}` }] }] : []),
    ],
  });
}

/** Slack's mrkdwn needs &, < and > escaped. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
