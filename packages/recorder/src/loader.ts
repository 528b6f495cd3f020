/**
 * On-demand loader, built as dist/browser/loader.js (a few hundred bytes):
 *
 *   <script src="https://replay.example.com/sdk/loader.js" data-project-key="KEY" async></script>
 *
 * Dormant by default: no listeners, no requests. Only when the tab was opened through
 * a support link (`#reprise_token=…`, or a token stored by an earlier page of the tab)
 * does it load the full recorder from `<endpoint>/sdk/reprise.js` and start it in link
 * mode. The token is handed over through `Reprise.init`, never written into the DOM.
 *
 * Imports only ./link.js: the recorder and rrweb must stay out of this bundle.
 */
import { activeLink } from './link.js';

interface ReprisePartial {
  init(options: Record<string, unknown>): unknown;
}

(() => {
  try {
    const s = document.currentScript as HTMLScriptElement | null;
    if (!s) return;
    const projectKey = s.getAttribute('data-project-key');
    if (!projectKey) return;
    let endpoint = s.getAttribute('data-endpoint') || '';
    if (!endpoint) endpoint = new URL(s.src, location.href).origin;
    endpoint = endpoint.replace(/\/+$/, '');
    const link = activeLink(projectKey, endpoint);
    if (!link) return;
    const options = {
      projectKey,
      endpoint,
      link: link.token,
      feedback: s.getAttribute('data-feedback') === 'true',
      debug: s.hasAttribute('data-debug') && s.getAttribute('data-debug') !== 'false',
    };
    const w = window as unknown as { Reprise?: ReprisePartial };
    const start = (): void => {
      try {
        w.Reprise?.init(options);
      } catch {
        /* never break the page */
      }
    };
    if (w.Reprise) return start();
    const tag = document.createElement('script');
    tag.src = endpoint + '/sdk/reprise.js';
    tag.async = true;
    tag.onload = start;
    (document.head || document.documentElement).appendChild(tag);
  } catch {
    /* never break the page */
  }
})();
