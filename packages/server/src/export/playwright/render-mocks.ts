import { literal, str } from './literals.js';
import type { RecordedCall } from './network.js';
import { originOf, pathOf } from './plan.js';

export type Unmatched = 'passthrough' | 'block';

/** The recorded responses as an inline fixture: one object per call, in recorded order, notes as comments. */
export function renderFixture(calls: RecordedCall[], origin: string): string[] {
  const lines = [
    '/**',
    " * The responses the session received, served in place of the app's API (oldest first; when a",
    ' * request repeats more often than recorded, its last response is served again). "[redacted]"',
    ' * marks values the recorder removed: they stay removed here.',
    ' */',
    'const RECORDED_RESPONSES: RecordedResponse[] = [',
  ];
  for (const c of calls) {
    if (c.redacted) lines.push('  // Redacted when recorded: "[redacted]" values below are not the real ones.');
    if (c.bodyNote && !c.failed) lines.push(`  // Body ${c.bodyNote}.`);
    const url = originOf(c.url) === origin ? pathOf(c.url) : c.url;
    const fields = [`method: ${str(c.method)}`, `url: ${str(url)}`];
    if (c.failed) fields.push('failed: true');
    else {
      fields.push(`status: ${c.status}`, `headers: ${literal(c.responseHeaders, '    ')}`);
      if (c.json !== undefined) fields.push(`json: ${literal(c.json, '    ')}`);
      else if (c.text !== null) fields.push(`text: ${str(c.text)}`);
    }
    if (c.redacted) fields.push('redacted: true');
    lines.push('  {', ...fields.map((f) => `    ${f},`), '  },');
  }
  if (calls.length === 0) lines[lines.length - 1] += '];';
  else lines.push('];');
  return lines;
}

/** The helpers at the end of the spec: the mock route, request matchers, repeated clicks. */
export function renderHelpers(unmatched: Unmatched, withClickTimes: boolean): string[] {
  const lines = `interface RecordedResponse {
  method: string;
  /** Path and query for the app's own origin, the whole URL for other origins. */
  url: string;
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** The request got no response when recorded (network error): it fails here too. */
  failed?: boolean;
  /** Some values were redacted by the recorder. */
  redacted?: boolean;
}

/**
 * Serves RECORDED_RESPONSES for the app's fetch/XHR calls. Calls the session never made ${
   unmatched === 'block' ? "are blocked\n * (UNMATCHED_REQUESTS = 'block')" : "go to the\n * network (UNMATCHED_REQUESTS = 'passthrough')"
 }; pages, scripts and styles always come from BASE_URL.
 */
async function serveRecordedResponses(page: Page): Promise<void> {
  const served = new Set<RecordedResponse>();
  await page.route('**/*', async (route) => {
    const request = route.request();
    if (!['fetch', 'xhr'].includes(request.resourceType())) return route.fallback();
    const matching = RECORDED_RESPONSES.filter((r) => sameRequest(r, request.method(), request.url()));
    const next = matching.find((r) => !served.has(r)) ?? matching[matching.length - 1];
    if (!next) return UNMATCHED_REQUESTS === 'block' ? route.abort('blockedbyclient') : route.fallback();
    served.add(next);
    if (next.failed) return route.abort('failed');
    const body = next.json !== undefined ? JSON.stringify(next.json) : (next.text ?? '');
    // A call to another origin needs CORS headers the recorder could not see.
    const cors: Record<string, string> = next.url.startsWith('/')
      ? {}
      : { 'access-control-allow-origin': request.headers()['origin'] ?? '*', 'access-control-allow-credentials': 'true' };
    return route.fulfill({ status: next.status, headers: { ...next.headers, ...cors }, body });
  });
}

function sameRequest(r: RecordedResponse, method: string, href: string): boolean {
  if (r.method !== method) return false;
  const url = new URL(href);
  const actual = r.url.startsWith('/') ? url.pathname + url.search : url.href;
  if (actual === r.url) return true;
  // A query value the recorder redacted matches any value.
  const parts = r.url.split(/\\[redacted\\]|%5Bredacted%5D/);
  if (parts.length === 1) return false;
  return new RegExp(\`^\${parts.map((p) => p.replace(/[.*+?^\${}()|[\\]\\\\]/g, '\\\\$&')).join('[^&#/]*')}$\`).test(actual);
}

/** Matches the response to a call by method and path (the query may differ). */
function responseTo(method: string, path: string): (response: Response) => boolean {
  return (response) => requestTo(method, path)(response.request());
}

function requestTo(method: string, path: string): (request: Request) => boolean {
  return (request) => request.method() === method && new URL(request.url()).pathname === path;
}`.split('\n');
  if (!withClickTimes) return lines;
  return [
    ...lines,
    '',
    '/** Quick repeated clicks, as the user made them. */',
    'async function clickTimes(target: Locator, times: number): Promise<void> {',
    '  for (let i = 0; i < times; i++) await target.click();',
    '}',
  ];
}
