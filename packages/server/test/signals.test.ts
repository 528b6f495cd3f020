import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReplayEvent, SessionDetail } from '@reprise/protocol';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeEach(async () => (s = await startTestServer()));
afterEach(async () => s.close());

// Event builders on the session clock.
function click(
  t: number,
  o: {
    selector?: string;
    x?: number;
    y?: number;
    tag?: string;
    interactive?: boolean;
    text?: string;
    testId?: string;
    nodeId?: number;
    inputType?: string;
    editable?: boolean;
  } = {},
): ReplayEvent {
  const { selector = '#pay', x = 100, y = 100, tag = 'button', interactive = true, ...rest } = o;
  return { t, kind: 'click', data: { selector, x, y, tag, interactive, ...rest } };
}
const move = (t: number) => domEvent(t, 3, { source: 1, positions: [{ x: 1, y: 1, id: 1, timeOffset: 0 }] });
const scroll = (t: number) => domEvent(t, 3, { source: 3, id: 1, x: 0, y: 10 });
const input = (t: number, userTriggered = true) => domEvent(t, 3, { source: 5, id: 7, text: '***', isChecked: false, userTriggered });
const mutation = (t: number) =>
  domEvent(t, 3, {
    source: 0,
    adds: [{ parentId: 1, nextId: null, node: { type: 3, textContent: 'ok', id: 99 } }],
    removes: [],
    texts: [],
    attributes: [],
  });
const emptyMutation = (t: number) => domEvent(t, 3, { source: 0, adds: [], removes: [], texts: [], attributes: [] });
const nav = (t: number, url: string, type = 'pushState'): ReplayEvent => ({ t, kind: 'nav', data: { url, type } });
const request = (startedAt: number, url = 'https://shop.example/api/cart', status = 200, t = startedAt): ReplayEvent => ({
  t,
  kind: 'network',
  data: {
    id: `r${startedAt}`,
    initiator: 'fetch',
    method: 'POST',
    url,
    status,
    requestHeaders: {},
    responseHeaders: {},
    requestBody: null,
    responseBody: null,
    startedAt,
    durationMs: 30,
  },
});
const jsError = (t: number, message = 'boom', extra: object = {}): ReplayEvent => ({
  t,
  kind: 'error',
  data: { name: 'TypeError', message, ...extra },
});

async function post(sid: string, seq: number, events: ReplayEvent[], url?: string) {
  const r = await postBatch(s, makeBatch(sid, seq, events, url));
  expect(r.statusCode).toBe(200);
  return r.json() as { duplicate: boolean };
}

async function detail(sid: string): Promise<SessionDetail> {
  const r = await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: { cookie: s.cookie } });
  expect(r.statusCode).toBe(200);
  return r.json() as SessionDetail;
}

/** SQL on the metadata database of either backend. */
function query<T>(sql: string, ...args: unknown[]): Promise<T[]> {
  return s.query<T>(sql, ...args);
}
const signals = (sid: string) =>
  query<{ type: string; t: number; selector: string; click_count: number }>(
    'SELECT type, t, selector, click_count FROM signals WHERE session_id = ? ORDER BY type, t',
    sid,
  );
const clickRows = (sid: string) =>
  query<{ t: number; rage: number; dead: number; error_click: number }>(
    'SELECT t, rage, dead, error_click FROM clicks WHERE session_id = ? ORDER BY t',
    sid,
  );

describe('rage clicks', () => {
  it('finds 3 clicks on one selector, each within 1 s of the last, and grows the burst across batches', async () => {
    const sid = 'sess_rage_selector';
    // Non-interactive targets keep dead clicks out of this test. 1.6 s in total, but each gap is under 1 s.
    const opts = { selector: '#total', tag: 'span', interactive: false };
    await post(sid, 0, [click(1000, opts), click(1800, { ...opts, x: 300 }), click(2600, { ...opts, x: 500 })]);
    expect((await detail(sid)).counts).toMatchObject({ clicks: 3, rageClicks: 1 });
    expect(await signals(sid)).toEqual([{ type: 'rage', t: 1000, selector: '#total', click_count: 3 }]);
    expect((await clickRows(sid)).map((c) => c.rage)).toEqual([1, 1, 1]);

    // The next batch continues the same burst: one signal, now 4 clicks, still one rage click.
    await post(sid, 1, [click(3400, opts), click(9000, opts)]);
    expect((await detail(sid)).counts).toMatchObject({ clicks: 5, rageClicks: 1 });
    expect(await signals(sid)).toEqual([{ type: 'rage', t: 1000, selector: '#total', click_count: 4 }]);
    expect((await clickRows(sid)).map((c) => c.rage)).toEqual([1, 1, 1, 1, 0]);
  });

  it('finds 3 clicks within 30 px on different selectors, also when the burst starts in the previous batch', async () => {
    const sid = 'sess_rage_radius';
    const o = { tag: 'div', interactive: false };
    await post(sid, 0, [click(1000, { ...o, selector: '.a', x: 100, y: 100 }), click(1400, { ...o, selector: '.b', x: 120, y: 110 })]);
    expect((await detail(sid)).counts.rageClicks).toBe(0);
    await post(sid, 1, [click(1800, { ...o, selector: '.c', x: 110, y: 125 })]);
    expect((await detail(sid)).counts.rageClicks).toBe(1);
    expect(await signals(sid)).toEqual([{ type: 'rage', t: 1000, selector: '.a', click_count: 3 }]);
    expect((await clickRows(sid)).map((c) => c.rage)).toEqual([1, 1, 1]);
  });

  it('does not count 2 clicks, a gap over 1 s, or clicks far apart on different targets', async () => {
    const o = { tag: 'div', interactive: false };
    await post('sess_rage_two', 0, [click(1000, o), click(1200, o)]);
    await post('sess_rage_slow', 0, [click(1000, o), click(1900, o), click(2901, o)]);
    await post('sess_rage_apart', 0, [
      click(1000, { ...o, selector: '.a', x: 0, y: 0 }),
      click(1100, { ...o, selector: '.b', x: 31, y: 0 }),
      click(1200, { ...o, selector: '.c', x: 62, y: 0 }),
    ]);
    for (const sid of ['sess_rage_two', 'sess_rage_slow', 'sess_rage_apart']) {
      expect((await detail(sid)).counts.rageClicks, sid).toBe(0);
      expect(await signals(sid), sid).toEqual([]);
    }
  });
});

describe('dead clicks', () => {
  it('calls a click dead when nothing answers within 2.5 s in the same batch', async () => {
    const sid = 'sess_dead_onebatch';
    await post(sid, 0, [click(1000, { selector: '#pay', text: 'Pay now' }), move(2000), emptyMutation(2200), move(3600)]);
    expect((await detail(sid)).counts.deadClicks).toBe(1);
    expect(await signals(sid)).toEqual([{ type: 'dead', t: 1000, selector: '#pay', click_count: 1 }]);
    expect((await clickRows(sid))[0]!.dead).toBe(1);
  });

  it('does not call a click dead when a mutation, a navigation or a request follows within 2.5 s', async () => {
    await post('sess_dead_mutation', 0, [click(1000), mutation(1400), move(4000)]);
    await post('sess_dead_nav', 0, [click(1000), nav(3400, 'https://shop.example/next'), move(4000)]);
    // The request ended (and was emitted) after the window; it started inside it.
    await post('sess_dead_request', 0, [click(1000), move(4000), request(1100, undefined, 200, 1100)]);
    for (const sid of ['sess_dead_mutation', 'sess_dead_nav', 'sess_dead_request']) {
      expect((await detail(sid)).counts.deadClicks, sid).toBe(0);
      expect((await clickRows(sid))[0]!.dead, sid).toBe(0);
      expect(await signals(sid), sid).toEqual([]);
    }
  });

  it('decides a click in the next batch when its window is not yet covered', async () => {
    await post('sess_dead_cross', 0, [click(1000), move(1500)]);
    await post('sess_alive_cross', 0, [click(1000), move(1500)]);
    await post('sess_pending_end', 0, [click(1000), move(1500)]);
    for (const sid of ['sess_dead_cross', 'sess_alive_cross', 'sess_pending_end']) {
      expect((await clickRows(sid))[0]!.dead, sid).toBe(2);
      expect((await detail(sid)).counts.deadClicks, sid).toBe(0);
    }
    await post('sess_dead_cross', 1, [move(2500), move(4000)]);
    await post('sess_alive_cross', 1, [mutation(2400), move(4000)]);
    expect((await detail('sess_dead_cross')).counts.deadClicks).toBe(1);
    expect((await clickRows('sess_dead_cross'))[0]!.dead).toBe(1);
    expect(await signals('sess_dead_cross')).toEqual([{ type: 'dead', t: 1000, selector: '#pay', click_count: 1 }]);
    expect((await detail('sess_alive_cross')).counts.deadClicks).toBe(0);
    expect((await clickRows('sess_alive_cross'))[0]!.dead).toBe(0);
    // Nothing came after: the page may have closed, so the click is never called dead.
    expect((await clickRows('sess_pending_end'))[0]!.dead).toBe(2);
    expect(await signals('sess_pending_end')).toEqual([]);
  });

  it('stays pending while a later batch still does not reach past the window', async () => {
    const sid = 'sess_dead_slow';
    await post(sid, 0, [click(1000), move(1500)]);
    await post(sid, 1, [move(2000)]);
    expect((await clickRows(sid))[0]!.dead).toBe(2);
    await post(sid, 2, [move(3600)]);
    expect((await clickRows(sid))[0]!.dead).toBe(1);
    expect((await detail(sid)).counts.deadClicks).toBe(1);
  });

  it('takes a dead click back when a request that started in its window arrives in a later batch', async () => {
    const sid = 'sess_dead_late_request';
    await post(sid, 0, [click(1000), move(4000)]);
    expect((await detail(sid)).counts.deadClicks).toBe(1);
    await post(sid, 1, [move(5000), request(1200, undefined, 200, 1200)]);
    expect((await detail(sid)).counts.deadClicks).toBe(0);
    expect((await clickRows(sid))[0]!.dead).toBe(0);
    expect(await signals(sid)).toEqual([]);
  });

  it('never counts text fields, selects, contenteditable or non-interactive elements, but does count input buttons', async () => {
    const sid = 'sess_dead_inputs';
    // Far apart, so they are not a rage burst either.
    await post(sid, 0, [
      click(1000, { selector: '#email', tag: 'input', inputType: 'email', x: 100 }),
      click(1100, { selector: '#name', tag: 'input', x: 200 }),
      click(1200, { selector: '#notes', tag: 'textarea', x: 300 }),
      click(1300, { selector: '#country', tag: 'select', x: 400 }),
      click(1400, { selector: '#editor', tag: 'div', editable: true, x: 500 }),
      click(1500, { selector: '#label', tag: 'span', interactive: false, x: 600 }),
      click(1600, { selector: '#submit', tag: 'input', inputType: 'submit', x: 700 }),
      move(5000),
    ]);
    expect((await clickRows(sid)).map((c) => c.dead)).toEqual([0, 0, 0, 0, 0, 0, 1]);
    expect((await detail(sid)).counts.deadClicks).toBe(1);
    expect((await signals(sid)).map((x) => x.selector)).toEqual(['#submit']);
  });

  it('treats a user-triggered input change (a checkbox toggling) as an answer', async () => {
    const sid = 'sess_dead_checkbox';
    await post(sid, 0, [click(1000, { selector: '#agree', tag: 'input', inputType: 'checkbox' }), input(1010), move(4000)]);
    expect((await clickRows(sid))[0]!.dead).toBe(0);
  });
});

describe('error clicks', () => {
  it('marks a click followed by a JS error within 1 s, one error click per error', async () => {
    const sid = 'sess_errclick_one';
    const o = { tag: 'div', interactive: false };
    await post(sid, 0, [
      click(1000, { ...o, selector: '#a' }),
      click(1200, { ...o, selector: '#b', x: 500 }),
      jsError(1900),
      click(5000, { ...o, selector: '#c' }),
      jsError(6001),
      click(8000, { ...o, selector: '#d' }),
      jsError(8100, 'img failed', { origin: 'resource' }),
    ]);
    expect((await detail(sid)).counts).toMatchObject({ errorClicks: 1, errors: 3 });
    // The error is attributed to the latest click before it.
    expect(await signals(sid)).toEqual([{ type: 'error_click', t: 1200, selector: '#b', click_count: 1 }]);
    expect((await clickRows(sid)).map((c) => c.error_click)).toEqual([0, 1, 0, 0]);
  });

  it('looks back at the previous batch when a batch starts with an error', async () => {
    const sid = 'sess_errclick_cross';
    const o = { tag: 'div', interactive: false };
    await post(sid, 0, [click(1000, { ...o, selector: '#retry' }), move(1100)]);
    await post(sid, 1, [jsError(1700), jsError(1800)]);
    expect((await detail(sid)).counts.errorClicks).toBe(1);
    expect(await signals(sid)).toEqual([{ type: 'error_click', t: 1000, selector: '#retry', click_count: 1 }]);
    expect((await clickRows(sid))[0]!.error_click).toBe(1);
    // An error over 1 s after the click is not an error click.
    await post('sess_errclick_late', 0, [click(1000, o)]);
    await post('sess_errclick_late', 1, [jsError(2001)]);
    expect((await detail('sess_errclick_late')).counts.errorClicks).toBe(0);
  });
});

describe('activity, pages and keys', () => {
  it('sums gaps of at most 5 s between activity events, across batches', async () => {
    const sid = 'sess_activity';
    // 1000→2000→3000 (2 s), idle 7 s, 10000→10500 (0.5 s), a click at 11000 (0.5 s).
    await post(sid, 0, [
      move(1000),
      scroll(2000),
      input(3000),
      input(3500, false),
      move(10000),
      input(10500),
      click(11000, { interactive: false }),
    ]);
    let d = await detail(sid);
    expect(d.activeMs).toBe(3000);
    expect(d.counts.keyPresses).toBe(2);
    expect(d.counts.clicks).toBe(1);
    // The next batch continues from the last activity (11000): +1 s, then +0.25 s.
    await post(sid, 1, [move(12000), move(12250)]);
    d = await detail(sid);
    expect(d.activeMs).toBe(4250);
    // After more than 5 s idle nothing is added for the gap.
    await post(sid, 2, [move(30000)]);
    expect((await detail(sid)).activeMs).toBe(4250);
  });

  it('counts pages from load, pushState and popstate, and keeps a row per navigation', async () => {
    const sid = 'sess_pages';
    await post(sid, 0, [
      nav(1000, 'https://shop.example/', 'load'),
      nav(2000, 'https://shop.example/cart', 'pushState'),
      nav(3000, 'https://shop.example/cart?x=1', 'replaceState'),
      nav(4000, 'https://shop.example/cart#top', 'hashchange'),
      nav(5000, 'https://shop.example/', 'popstate'),
      { t: 6000, kind: 'nav', data: { url: 42, type: 'load' } },
    ]);
    expect((await detail(sid)).pageCount).toBe(3);
    expect((await query<{ url: string }>('SELECT url FROM pages WHERE session_id = ? ORDER BY t', sid)).map((p) => p.url)).toEqual([
      'https://shop.example/',
      'https://shop.example/cart',
      'https://shop.example/cart?x=1',
      'https://shop.example/cart#top',
      'https://shop.example/',
    ]);
  });
});

describe('index rows', () => {
  it('stores routes, message keys and per-field search text', async () => {
    const sid = 'sess_index_rows';
    await post(
      sid,
      0,
      [
        nav(1000, 'https://shop.example/cart', 'pushState'),
        request(1100, 'https://shop.example/api/orders/123?x=1', 500),
        request(1200, 'https://shop.example/api/orders/123?x=1', 500),
        { t: 1300, kind: 'console', data: { level: 'log', args: [{ type: 'string', value: 'hello console' }] } },
        { t: 1301, kind: 'console', data: { level: 'log', args: [] } },
        jsError(1400, 'Order 123 failed'),
        click(1500, { text: 'Pay now', testId: 'pay-button', interactive: false }),
        click(1600, { interactive: false }),
      ],
      'https://shop.example/',
    );
    expect(await query('SELECT route FROM network_requests WHERE session_id = ?', sid)).toEqual([
      { route: '/api/orders/:id' },
      { route: '/api/orders/:id' },
    ]);
    expect(await query('SELECT message_key FROM errors WHERE session_id = ?', sid)).toEqual([{ message_key: 'Order <n> failed' }]);
    expect(await query('SELECT field, text FROM search_text WHERE session_id = ? ORDER BY field', sid)).toEqual([
      { field: 'click', text: 'Pay now\npay-button' },
      { field: 'console', text: 'hello console' },
      { field: 'error', text: 'TypeError: Order 123 failed' },
      { field: 'request', text: 'https://shop.example/api/orders/123?x=1' },
      { field: 'url', text: 'https://shop.example/\nhttps://shop.example/cart' },
    ]);
    // The trigram index answers substring searches.
    expect(await query("SELECT session_id FROM search_text WHERE field = 'click' AND text LIKE '%y now%'")).toEqual([{ session_id: sid }]);
  });

  it('skips malformed click events', async () => {
    const sid = 'sess_bad_clicks';
    await post(sid, 0, [
      { t: 1000, kind: 'click', data: { x: 1, y: 1, tag: 'button', interactive: true } },
      { t: 1001, kind: 'click', data: { selector: '#a', x: 'left', y: 1, tag: 'button', interactive: true } },
      { t: 1002, kind: 'click', data: 'nope' },
      click(1003, { selector: '#ok', interactive: false }),
    ]);
    expect((await detail(sid)).counts.clicks).toBe(1);
    expect(await clickRows(sid)).toHaveLength(1);
  });
});

describe('duplicates', () => {
  it('does not count a duplicate batch twice', async () => {
    const sid = 'sess_dup_signals';
    const events = [
      nav(900, 'https://shop.example/', 'load'),
      move(950),
      click(1000, { selector: '#x' }),
      click(1100, { selector: '#x' }),
      click(1200, { selector: '#x' }),
      jsError(1300),
      input(3900),
      move(4000),
    ];
    await post(sid, 0, events);
    const first = await detail(sid);
    expect(first.counts).toMatchObject({ clicks: 3, keyPresses: 1, rageClicks: 1, deadClicks: 3, errorClicks: 1 });
    expect(first.pageCount).toBe(1);
    expect(first.activeMs).toBe(3050); // 950→1000→1100→1200 (250 ms), →3900 (2.7 s), →4000 (100 ms)
    const rows = async () => ({
      clicks: await query('SELECT count(*) AS n FROM clicks WHERE session_id = ?', sid),
      signals: await signals(sid),
      pages: await query('SELECT count(*) AS n FROM pages WHERE session_id = ?', sid),
      text: await query('SELECT count(*) AS n FROM search_text WHERE session_id = ?', sid),
    });
    const before = await rows();
    expect(await post(sid, 0, events)).toMatchObject({ duplicate: true });
    const again = await detail(sid);
    expect(again.counts).toEqual(first.counts);
    expect(again.activeMs).toBe(first.activeMs);
    expect(again.pageCount).toBe(first.pageCount);
    expect(await rows()).toEqual(before);
  });
});
