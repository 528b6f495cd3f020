import type { BodyCapture, NetworkData } from '@reprise/protocol';
import type { Store } from '../../store/types.js';

/**
 * The fetch/XHR calls a session made, as recorded, for serving as mocks: headers and bodies are
 * what the recorder kept (redacted, capped, sometimes omitted), never more. Beacons are left out
 * (nothing reads their answer).
 */
export interface RecordedCall {
  /** Request start, epoch ms. */
  t: number;
  method: string;
  /** As recorded: absolute URL. */
  url: string;
  status: number;
  statusText: string;
  /** The request got no response (network error, abort, timeout). */
  failed: boolean;
  durationMs: number;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  requestBody: string | null;
  /** Parsed JSON body (kind json), else undefined. */
  json: unknown;
  /** Text body when not JSON; null when none was recorded. */
  text: string | null;
  /** Why the served body differs from the real one ("not recorded (binary)", "truncated…"); null when it doesn't. */
  bodyNote: string | null;
  /** The recorder replaced some values with "[redacted]" (body, headers or URL). */
  redacted: boolean;
}

export const REDACTED = '[redacted]';
/** Headers a mock must not copy: the mock's body is decoded and re-measured. */
const DROP_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'set-cookie', 'keep-alive']);

export async function readCalls(store: Store, sessionId: string, until: number): Promise<RecordedCall[]> {
  const out: RecordedCall[] = [];
  for await (const group of store.streamEvents(sessionId)) {
    for (const e of group) {
      if (e.kind !== 'network' || !e.data || typeof e.data !== 'object') continue;
      const call = callOf(e.t, e.data as Partial<NetworkData>);
      if (call && call.t <= until) out.push(call);
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

function callOf(t: number, d: Partial<NetworkData>): RecordedCall | null {
  if (typeof d.url !== 'string' || d.initiator === 'beacon') return null;
  const status = typeof d.status === 'number' ? d.status : 0;
  const body = bodyOf(d.responseBody ?? null);
  const responseHeaders = headers(d.responseHeaders, true);
  const requestHeaders = headers(d.requestHeaders, false);
  const req = bodyOf(d.requestBody ?? null);
  return {
    t: typeof d.startedAt === 'number' && Number.isFinite(d.startedAt) ? d.startedAt : t,
    method: typeof d.method === 'string' ? d.method.toUpperCase().slice(0, 16) : 'GET',
    url: d.url,
    status,
    statusText: typeof d.statusText === 'string' ? d.statusText : '',
    failed: typeof d.error === 'string' || status === 0,
    durationMs: typeof d.durationMs === 'number' && d.durationMs >= 0 ? d.durationMs : 0,
    requestHeaders,
    responseHeaders,
    requestBody: req.json !== undefined ? JSON.stringify(req.json) : req.text,
    ...body,
    redacted:
      body.redacted ||
      d.url.includes(REDACTED) ||
      d.url.includes(encodeURIComponent(REDACTED)) ||
      Object.values(responseHeaders).some((v) => v.includes(REDACTED)),
  };
}

function headers(h: unknown, forMock: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h || typeof h !== 'object') return out;
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    const name = k.toLowerCase();
    if (typeof v === 'string' && !(forMock && DROP_HEADERS.has(name))) out[name] = v;
  }
  return out;
}

function bodyOf(b: BodyCapture | null): Pick<RecordedCall, 'json' | 'text' | 'bodyNote' | 'redacted'> {
  if (!b) return { json: undefined, text: null, bodyNote: 'not recorded', redacted: false };
  const size = typeof b.size === 'number' ? ` of ${b.size} bytes` : '';
  const note = b.truncated ? `truncated when recorded (the mock serves what was kept${size})` : null;
  if (b.kind === 'json') {
    return { json: b.value ?? null, text: null, bodyNote: note, redacted: JSON.stringify(b.value ?? null).includes(REDACTED) };
  }
  if (b.kind === 'text' && typeof b.value === 'string')
    return { json: undefined, text: b.value, bodyNote: note, redacted: b.value.includes(REDACTED) };
  if ((b.kind === 'urlencoded' || b.kind === 'form') && b.value && typeof b.value === 'object') {
    const v = JSON.stringify(b.value);
    return { json: undefined, text: new URLSearchParams(flat(b.value)).toString(), bodyNote: note, redacted: v.includes(REDACTED) };
  }
  return { json: undefined, text: null, bodyNote: `not recorded (${b.reason ?? b.kind})`, redacted: false };
}

function flat(v: object): [string, string][] {
  return Object.entries(v).flatMap(([k, x]) => (Array.isArray(x) ? x.map((y): [string, string] => [k, String(y)]) : [[k, String(x)]]));
}
