/**
 * The API requests a session page opens with. The viewer makes them; the server names the same
 * URLs as preload hints in the page it serves, and a hint is used only if its URL is identical.
 */
export function sessionOpenUrls(sessionId: string, atMs: number): { timeline: string; events: string; assets: string } {
  const base = `/api/v1/sessions/${encodeURIComponent(sessionId)}`;
  return { timeline: `${base}/timeline`, events: `${base}/events?open=${atMs}`, assets: `${base}/assets` };
}
