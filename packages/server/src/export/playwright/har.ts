import type { RecordedCall } from './network.js';

/**
 * The recorded calls as a HAR 1.2 log (for `page.routeFromHAR`, browser devtools or other tools).
 * Bodies and headers are what the recorder kept; entries with redacted values or bodies that
 * were not recorded say so in their `comment`.
 */
export function buildHar(calls: RecordedCall[], sessionId: string): object {
  return {
    log: {
      version: '1.2',
      creator: { name: 'Reprise', version: '0.1.0' },
      comment: `Recorded fetch/XHR calls of session ${sessionId}`,
      pages: [],
      entries: calls.map(entry),
    },
  };
}

function entry(c: RecordedCall): object {
  const text = c.json !== undefined ? JSON.stringify(c.json) : (c.text ?? '');
  const notes = [c.redacted ? 'values redacted when recorded ("[redacted]")' : null, c.bodyNote ? `body ${c.bodyNote}` : null];
  const comment = notes.filter(Boolean).join('; ');
  return {
    startedDateTime: new Date(c.t).toISOString(),
    time: c.durationMs,
    request: {
      method: c.method,
      url: c.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: pairs(c.requestHeaders),
      queryString: query(c.url),
      ...(c.requestBody !== null ? { postData: { mimeType: c.requestHeaders['content-type'] ?? 'text/plain', text: c.requestBody } } : {}),
      headersSize: -1,
      bodySize: c.requestBody?.length ?? 0,
    },
    response: {
      status: c.failed ? 0 : c.status,
      statusText: c.statusText,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: pairs(c.responseHeaders),
      content: {
        size: text.length,
        mimeType: c.responseHeaders['content-type'] ?? (c.json !== undefined ? 'application/json' : 'text/plain'),
        text,
      },
      redirectURL: '',
      headersSize: -1,
      bodySize: c.failed ? -1 : text.length,
      ...(c.failed ? { _failureText: 'net::ERR_FAILED' } : {}),
    },
    cache: {},
    timings: { send: 0, wait: c.durationMs, receive: 0 },
    ...(comment ? { comment } : {}),
  };
}

function pairs(h: Record<string, string>): { name: string; value: string }[] {
  return Object.entries(h).map(([name, value]) => ({ name, value }));
}

function query(url: string): { name: string; value: string }[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}
