import { pageBaseUrl } from '../capture/privacy.js';

/**
 * Ingest URLs of running recorders. Network capture must skip these, or the
 * recorder would record (and upload) its own uploads forever.
 */
const prefixes = new Set<string>();

export function ingestUrl(endpoint: string, projectKey: string): string {
  return `${endpoint}/ingest/v1/batch?key=${encodeURIComponent(projectKey)}`;
}

export function registerOwnEndpoint(endpoint: string): () => void {
  const prefix = `${endpoint}/ingest/`;
  prefixes.add(prefix);
  return () => {
    prefixes.delete(prefix);
  };
}

/** True when `url` (absolute or relative to the page) is one of the recorder's own upload requests. */
export function isOwnRequest(url: string | URL): boolean {
  try {
    const href = new URL(String(url), pageBaseUrl()).href;
    for (const p of prefixes) if (href.startsWith(p)) return true;
  } catch {
    /* unparseable URL: not ours */
  }
  return false;
}
