import type { ReplayEvent } from '@reprise/protocol';

/**
 * A checkout session as the recorder stores it: a page with a labelled card field and a Pay
 * button, a masked card number, a Pay click answered by 422, console.error and an uncaught
 * TypeError; optionally a long stretch of routine browsing before it.
 */
export const SECRET_HEADER = 'hdr-secret-7f3a9c';
export const STACK =
  "TypeError: Cannot read properties of undefined (reading 'total')\n    at showTotal (https://shop.example/checkout.js:42:13)\n    at pay (https://shop.example/checkout.js:30:5)";

const el = (id: number, tagName: string, attributes: Record<string, string>, childNodes: unknown[] = []) => ({
  type: 2,
  id,
  tagName,
  attributes,
  childNodes,
});
const text = (id: number, textContent: string) => ({ type: 3, id, textContent });

export function checkoutEvents(t0: number, opts: { routine?: number } = {}): ReplayEvent[] {
  const dom = (t: number, type: number, data: unknown): ReplayEvent => ({ t, kind: 'dom', data: { type, timestamp: t, data } });
  const ev: ReplayEvent[] = [
    { t: t0, kind: 'nav', data: { url: 'https://shop.example/checkout', type: 'load' } },
    dom(t0 + 1, 4, { href: 'https://shop.example/checkout', width: 800, height: 600 }),
    dom(t0 + 2, 2, {
      node: {
        type: 0,
        id: 1,
        childNodes: [
          el(2, 'html', {}, [
            el(3, 'body', {}, [
              el(4, 'label', { for: 'card-number' }, [text(5, 'Card number')]),
              el(6, 'input', { id: 'card-number', type: 'text', 'data-testid': 'card-number' }),
              el(7, 'label', {}, [text(8, 'Email '), el(9, 'input', { name: 'email', type: 'email' })]),
              el(10, 'button', { 'data-testid': 'pay' }, [text(11, 'Pay')]),
            ]),
          ]),
        ],
      },
      initialOffset: { top: 0, left: 0 },
    }),
  ];
  let t = t0 + 1000;
  for (let i = 0; i < (opts.routine ?? 0); i++) {
    // Routine browsing: a click that a request and a DOM change answer, every 10 s.
    t += 10_000;
    ev.push({
      t,
      kind: 'click',
      data: {
        selector: `a.product:nth-of-type(${i % 7})`,
        text: `Product ${i % 7}`,
        tag: 'a',
        interactive: true,
        x: 100,
        y: 100 + (i % 7) * 20,
      },
    });
    ev.push({ t: t + 200, kind: 'network', data: netData(`https://shop.example/api/products/${i}`, 'GET', 200, t + 50, null) });
    ev.push(dom(t + 250, 3, { source: 0, adds: [], removes: [], texts: [{ id: 11, value: 'Pay' }], attributes: [] }));
    if (i % 5 === 0) ev.push({ t: t + 300, kind: 'console', data: { level: 'log', args: [{ type: 'string', value: `viewed ${i}` }] } });
  }
  t += 5000;
  ev.push(dom(t, 3, { source: 5, id: 6, text: '****************', isChecked: false, userTriggered: true }));
  ev.push(dom(t + 500, 3, { source: 5, id: 9, text: 'shopper@example.com', isChecked: false, userTriggered: true }));
  ev.push({
    t: t + 2000,
    kind: 'click',
    data: { selector: '[data-testid="pay"]', text: 'Pay', testId: 'pay', tag: 'button', interactive: true, x: 50, y: 200, nodeId: 10 },
  });
  ev.push({
    t: t + 2300,
    kind: 'network',
    data: netData('https://shop.example/api/checkout', 'POST', 422, t + 2050, { error: 'card_expired', field: 'card_expiry' }),
  });
  ev.push({ t: t + 2310, kind: 'console', data: { level: 'error', args: [{ type: 'string', value: 'card_expiry invalid format' }] } });
  ev.push({
    t: t + 2320,
    kind: 'error',
    data: {
      name: 'TypeError',
      message: "Uncaught TypeError: Cannot read properties of undefined (reading 'total')",
      stack: STACK,
      origin: 'error',
    },
  });
  ev.push(dom(t + 2400, 3, { source: 0, adds: [], removes: [], texts: [{ id: 11, value: 'Retry' }], attributes: [] }));
  return ev;
}

function netData(url: string, method: string, status: number, startedAt: number, body: unknown) {
  return {
    id: `r${startedAt}`,
    initiator: 'fetch',
    method,
    url,
    status,
    startedAt,
    durationMs: 100,
    requestHeaders: { 'x-session-token': SECRET_HEADER },
    responseHeaders: { 'content-type': 'application/json' },
    requestBody: null,
    responseBody: body === null ? { kind: 'json', value: { ok: true } } : { kind: 'json', value: body },
  };
}
