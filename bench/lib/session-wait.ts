import type { SessionDetail } from '@reprise/protocol';
import type { RunningServer } from './server.js';

/**
 * Resolves once the session's stored event count has stopped changing for
 * `quietMs` and `pending()` (uploads still in flight) is zero.
 */
export async function waitForStableSession(
  server: RunningServer,
  id: string,
  pending: () => number,
  quietMs = 2000,
  timeoutMs = 60_000,
): Promise<SessionDetail> {
  const start = Date.now();
  let last = -1;
  let since = Date.now();
  while (Date.now() - start < timeoutMs) {
    let detail: SessionDetail | null = null;
    try {
      detail = await server.api<SessionDetail>(`/api/v1/sessions/${id}`);
    } catch {
      detail = null; // not stored yet
    }
    const count = detail?.eventCount ?? -1;
    if (count !== last) {
      last = count;
      since = Date.now();
    } else if (detail && pending() === 0 && Date.now() - since >= quietMs) {
      return detail;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`session ${id} never settled`);
}
