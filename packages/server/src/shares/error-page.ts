import type { ShareRefusal } from './service.js';

const TEXT: Record<ShareRefusal, { reason: string; title: string; text: string }> = {
  share_invalid: {
    reason: 'invalid',
    title: 'This share link is not valid',
    text: 'The link is incomplete or was never issued. Check that you copied the whole link, or ask the person who sent it for a new one.',
  },
  share_expired: {
    reason: 'expired',
    title: 'This share link has expired',
    text: 'Share links only work for a limited time. Ask the person who sent it for a new one.',
  },
  share_revoked: {
    reason: 'revoked',
    title: 'This share link was turned off',
    text: 'The person who shared this session has revoked the link. Ask them for a new one if you still need it.',
  },
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page a refused share link gets: why, and nothing of the session. */
export function shareErrorPage(code: ShareRefusal): string {
  const t = TEXT[code];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(t.title)} · Reprise</title>
<style>
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: #f4f5f7; color: #1d2330; margin: 0; padding: 2rem 1rem; }
  .card { max-width: 40rem; margin: 0 auto; background: #fff; border-radius: 8px; padding: 1.5rem 2rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin-top: 0; }
</style>
</head>
<body>
<main class="card" data-testid="share-error" data-reason="${t.reason}">
  <h1>${esc(t.title)}</h1>
  <p>${esc(t.text)}</p>
</main>
</body>
</html>`;
}

shareErrorPage.message = (code: ShareRefusal): string => TEXT[code].title;
