import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, parseNdjson, type ReplayEvent, type SessionDetail } from '@reprise/protocol';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * Issue 12: one bad value must neither fail a batch with a 5xx on one backend only, nor poison
 * a session. Runs on both backends (vitest projects `default` and `postgres`), which must
 * answer the same to the same batch.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.close());

const get = (url: string) => s.app.inject({ url, headers: { cookie: s.cookie } });

/** An rrweb full snapshot of a page whose body nests `levels` divs, in rrweb's serialized-node shape. */
function deepSnapshot(t: number, levels: number): ReplayEvent {
  let id = 100;
  let node: Record<string, unknown> = { type: 3, textContent: 'leaf', id: id++ };
  for (let i = 0; i < levels; i++) node = { type: 2, tagName: 'div', attributes: { class: `l${i}` }, childNodes: [node], id: id++ };
  const html = {
    type: 2,
    tagName: 'html',
    attributes: {},
    id: 2,
    childNodes: [
      { type: 2, tagName: 'head', attributes: {}, childNodes: [], id: 3 },
      { type: 2, tagName: 'body', attributes: {}, childNodes: [node], id: 4 },
    ],
  };
  return domEvent(t, 2, {
    node: { type: 0, childNodes: [{ type: 1, name: 'html', publicId: '', systemId: '', id: 5 }, html], id: 1 },
    initialOffset: { left: 0, top: 0 },
  });
}

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** A batch whose one event's data is `depth` arrays deep, as JSON text (too deep for JSON.stringify). */
function deepBatchJson(sessionId: string, seq: number, depth: number): string {
  const data = '['.repeat(depth) + '1' + ']'.repeat(depth);
  return `{"v":1,"sessionId":"${sessionId}","seq":${seq},"events":[{"t":3001,"kind":"custom","data":${data}}]}`;
}

describe('NUL and lone surrogates in any string are accepted the same on both backends', () => {
  const SID = 'sess_nul_everywhere';
  const NUL = 'a\u0000b';
  const LONE = 'x\uD800y';
  const events: ReplayEvent[] = [
    domEvent(1000),
    { t: 1001, kind: 'console', data: { level: 'log', args: [{ type: 'string', value: `console ${NUL} ${LONE}` }] } },
    { t: 1002, kind: 'nav', data: { type: 'pushState', url: `https://shop.example/p?q=${NUL}` } },
    { t: 1003, kind: 'network', data: { method: `G${NUL}`, url: `https://api.example/${NUL}${LONE}`, status: 500, durationMs: 3 } },
    { t: 1004, kind: 'error', data: { name: `E${NUL}`, message: `boom ${NUL}`, stack: `at ${LONE}` } },
    { t: 1005, kind: 'custom', data: { type: 'identify', userId: `user${NUL}${LONE}` } },
    { t: 1006, kind: 'custom', data: { type: 'tag', key: `k${NUL}`, value: `v${NUL}${LONE}` } },
    {
      t: 1007,
      kind: 'click',
      data: { selector: `#b${NUL}`, x: 1, y: 2, text: `Buy${NUL}`, testId: LONE, tag: 'button', interactive: true },
    },
  ];

  it('stores the batch (200), indexes U+FFFD in place of each, and keeps the raw event bytes', async () => {
    const r = await postBatch(s, makeBatch(SID, 0, events, `https://shop.example/${NUL}${LONE}`));
    expect(r.statusCode, r.body).toBe(200);
    const session = (await get(`/api/v1/sessions/${SID}`)).json() as SessionDetail;
    expect(session.firstUrl).toBe('https://shop.example/a\uFFFDbx\uFFFDy');
    expect(session.userId).toBe('usera\uFFFDbx\uFFFDy');
    expect(session.tags).toEqual({ 'ka\uFFFDb': 'va\uFFFDbx\uFFFDy' });
    expect(session.counts.errors).toBe(1);
    // Search reaches the indexed text.
    const found = (await get(`/api/v1/sessions?q=${encodeURIComponent('console:"console a"')}`)).json() as { sessions: { id: string }[] };
    expect(found.sessions.map((x) => x.id)).toContain(SID);
    // The chunk is the batch as sent.
    const stored = parseNdjson((await get(`/api/v1/sessions/${SID}/events`)).body);
    expect(stored).toHaveLength(events.length);
    expect((stored[1]!.data as { args: { value: string }[] }).args[0]!.value).toBe(`console ${NUL} ${LONE}`);
  });

  it('a NUL in the project key is an unknown key (401), not a store error', async () => {
    const r = await s.app.inject({
      method: 'POST',
      url: '/ingest/v1/batch?key=pk%00x',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(makeBatch(SID, 1, [])),
    });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ error: 'unknown_project_key' });
  });

  it('numbers that no integer column holds are dropped to their default, not a 500', async () => {
    const r = await postBatch(
      s,
      makeBatch('sess_odd_numbers', 0, [
        { t: 2000, kind: 'network', data: { method: 'GET', url: 'https://api.example/a', status: 1e300, durationMs: 1e300 } },
        { t: 2001, kind: 'network', data: { method: 'GET', url: 'https://api.example/b', status: 200.5, durationMs: 1 } },
        { t: 2002, kind: 'click', data: { selector: '#a', x: 1e300, y: -1e300, nodeId: 1e300, tag: 'a', interactive: true } },
        { t: 2003, kind: 'network', data: { method: 'GET', url: 'https://api.example/c', status: 404, durationMs: 1, startedAt: 1e300 } },
      ]),
    );
    expect(r.statusCode, r.body).toBe(200);
    expect((await get('/api/v1/sessions/sess_odd_numbers')).json()).toMatchObject({ counts: { network4xx: 1 } });
  });
});

describe('seq and t are bounded by the shared validation (a 4xx with a reason on both backends)', () => {
  const cases: [string, number, number][] = [
    ['seq of 2^31', 2 ** 31, 1000],
    ['seq of 2^53', Number.MAX_SAFE_INTEGER, 1000],
    ['t of 1e19', 0, 1e19],
    ['t of 1e300', 0, 1e300],
    ['t just past the latest Date', 0, LIMITS.maxEventTime + 1],
  ];
  for (const [name, seq, t] of cases) {
    it(name, async () => {
      const r = await postBatch(s, makeBatch('sess_bounds_01', seq, [domEvent(t)]));
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json()).toMatchObject({ error: 'invalid_batch' });
    });
  }

  it('the bounds themselves are accepted', async () => {
    const r = await postBatch(s, makeBatch('sess_bounds_02', LIMITS.maxSeq, [domEvent(LIMITS.maxEventTime)]));
    expect(r.statusCode, r.body).toBe(200);
    expect((await get('/api/v1/sessions/sess_bounds_02')).json()).toMatchObject({ lastSeq: LIMITS.maxSeq });
  });
});

describe('event depth and size are bounded at ingest', () => {
  const SID = 'sess_deep_events';

  it('an event nested 5,000 arrays deep is refused (400) and the session stays readable', async () => {
    expect((await postBatch(s, makeBatch(SID, 0, [domEvent(3000)]))).statusCode).toBe(200);
    const r = await s.app.inject({
      method: 'POST',
      url: `/ingest/v1/batch?key=${s.projectKey}`,
      headers: { 'content-type': 'application/json' },
      payload: deepBatchJson(SID, 1, 5000),
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'event_too_deep' });
    const ev = await get(`/api/v1/sessions/${SID}/events`);
    expect(ev.statusCode).toBe(200);
    expect(parseNdjson(ev.body)).toHaveLength(1);
  });

  it('an event one level past the limit is refused; one at the limit is stored', async () => {
    // The event object is level 1, its data level 2: data nested (limit - 1) arrays deep reaches the limit.
    const at = await postBatch(s, makeBatch(SID, 2, [{ t: 3002, kind: 'custom', data: nested(LIMITS.maxEventDepth - 1) }]));
    expect(at.statusCode, at.body).toBe(200);
    const past = await postBatch(s, makeBatch(SID, 3, [{ t: 3003, kind: 'custom', data: nested(LIMITS.maxEventDepth) }]));
    expect(past.statusCode).toBe(400);
  });

  it('a full snapshot of a 580-element-deep DOM (deeper than the HTML parser builds) passes and reads back', async () => {
    const r = await postBatch(s, makeBatch('sess_deep_dom', 0, [deepSnapshot(4000, 580)]));
    expect(r.statusCode, r.body).toBe(200);
    const ev = await get('/api/v1/sessions/sess_deep_dom/events');
    expect(ev.statusCode).toBe(200);
    expect(parseNdjson(ev.body)).toHaveLength(1);
  });

  it('a single event over the size limit is refused (413)', async () => {
    const big = 'x'.repeat(LIMITS.maxEventBytes);
    const r = await postBatch(s, makeBatch(SID, 4, [{ t: 3004, kind: 'custom', data: { big } }]));
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ error: 'event_too_large' });
  });
});
