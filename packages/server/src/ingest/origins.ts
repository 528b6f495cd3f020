/** An ingest key is public, so the browser Origin is what stops other sites from writing with it. */
export function originAllowed(allowed: string[], origin: string | undefined): boolean {
  if (!origin) return true; // not a browser cross-origin request (curl, server-side, same-origin GET)
  if (allowed.includes('*')) return true;
  return allowed.some((a) => a.replace(/\/+$/, '').toLowerCase() === origin.toLowerCase());
}
