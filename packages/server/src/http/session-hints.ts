import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseStartParam, sessionOpenUrls } from '@reprise/protocol';

/**
 * Preload hints for a session page (`/sessions/:id`): rrweb's replayer chunk, and the API
 * requests the page opens with (the replay index, the first window, the asset mode). The browser
 * starts them while it fetches and parses the main bundle, instead of once it runs; the bundle's
 * own requests (viewer player/prefetch.ts) are then answered from them. Other pages do not pay.
 * The API routes authorize these requests as any other: a hint fetches nothing a page could not.
 */
export interface SessionHints {
  /** `<link>` tags for the page at `url` (path and query); '' when it is not a session page. */
  forUrl(url: string): string;
}

/** Reads `session-page.json` of the viewer build (its vite.config.ts writes it); without it, only the API requests are hinted. */
export function sessionHints(viewerDir: string): SessionHints {
  const file = path.join(viewerDir, 'session-page.json');
  const modules = existsSync(file) ? readModules(readFileSync(file, 'utf8')) : [];
  const moduleTags = modules.map((m) => `<link rel="modulepreload" crossorigin href="${m}">`).join('');
  return {
    forUrl(url) {
      const q = url.indexOf('?');
      const m = /^\/sessions\/([^/]+)\/?$/.exec(q < 0 ? url : url.slice(0, q));
      if (!m) return '';
      let id: string;
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        return '';
      }
      const atMs = parseStartParam(new URLSearchParams(q < 0 ? '' : url.slice(q)).get('t'));
      // encodeURIComponent leaves nothing that could end a double-quoted attribute.
      const api = Object.values(sessionOpenUrls(id, atMs))
        .map((u) => `<link rel="preload" as="fetch" crossorigin href="${u}">`)
        .join('');
      return moduleTags + api;
    },
  };
}

function readModules(json: string): string[] {
  const parsed = JSON.parse(json) as { modulePreload?: unknown };
  const list = Array.isArray(parsed.modulePreload) ? parsed.modulePreload : [];
  // Only our own asset paths: they are written into the page as they are.
  return list.filter((m): m is string => typeof m === 'string' && /^\/assets\/[\w.-]+\.js$/.test(m));
}
