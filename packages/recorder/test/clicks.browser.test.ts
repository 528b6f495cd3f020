import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ClickData, ReplayEvent } from '@reprise/protocol';
import { isStableClass, isStableId } from '../src/capture/click-describe.js';
import { html, sdkTag, type Received } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

const h = useHarness();

const SECRET_INPUT = 'hunter2-INPUTSECRET';
const SECRET_TEXTAREA = 'notes-AREASECRET';
const SECRET_FEEDBACK = 'feedback-WIDGETSECRET';
/** Text that rrweb masks or blocks: must never reach the server through a click either. */
const PRIVATE_TEXTS = [
  'Jane Private-Doe',
  'BlockedCaption',
  'blocked-aria-words',
  '$42.17',
  'CustomMaskedCaption',
  'CustomBlockedCaption',
  'RrMaskedCaption',
];

const BODY = `
<main id="app">
  <button id="pay">Pay <b>now</b></button>
  <button id="ember1234" data-testid="checkout-btn">Checkout <span data-reprise-mask>$42.17</span></button>
  <button id="wrapped" data-testid="dup">x</button><button data-testid="dup">y</button>
  <ul class="list css-1x2y3z"><li class="item"><span>One</span></li><li class="item active"><span class="caption">Two</span></li></ul>
  <button id="close" aria-label="Close dialog"><svg width="20" height="20"><rect width="20" height="20"></rect></svg></button>
  <label for="email">Email address</label> <input id="email" type="text">
  <textarea id="notes" aria-label="Notes"></textarea>
  <form onsubmit="event.preventDefault()"><input type="submit" id="send" value="Send order"></form>
  <div data-reprise-mask><a href="#x" id="masked-link">Jane Private-Doe</a></div>
  <div data-reprise-block><button id="blocked-btn" aria-label="blocked-aria-words">BlockedCaption</button></div>
  <div class="custom-mask"><button id="cm">CustomMaskedCaption</button></div>
  <div class="custom-block"><button id="cb" title="CustomBlockedCaption">CustomBlockedCaption</button></div>
  <div class="rr-mask"><button id="rrm">RrMaskedCaption</button></div>
  <div role="button" id="fake-btn">Role Button</div>
  <div id="plain">Plain words</div>
  <div id="prog">Programmatic</div>
  <input type="checkbox" id="agree"> <label for="agree">I agree</label>
  <button id="kbd">Keyboard</button>
  <section><div><div><div><div><div><a class="deep" href="#deep">Deep link</a></div></div></div></div></div></section>
</main>`;

const clicksOf = (rs: Received[]): ClickData[] =>
  rs
    .flatMap((r) => r.batch.events)
    .filter((e) => e.kind === 'click')
    .map((e) => e.data as ClickData);

async function sessionId(page: Page): Promise<string> {
  await page.waitForFunction(() => !!window.Reprise?.getSessionId(), undefined, { timeout: 10_000 });
  return (await page.evaluate(() => window.Reprise!.getSessionId()))!;
}

/** rrweb's id for the element with `id` in the session's first full snapshot. */
function snapshotIdOf(events: ReplayEvent[], id: string): number | undefined {
  type SNode = { id: number; attributes?: Record<string, unknown>; childNodes?: SNode[] };
  const full = events.find((e) => e.kind === 'dom' && (e.data as { type: number }).type === 2);
  const find = (n: SNode): number | undefined => {
    if (n.attributes?.id === id) return n.id;
    for (const c of n.childNodes ?? []) {
      const hit = find(c);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  return full ? find((full.data as { data: { node: SNode } }).data.node) : undefined;
}

let received: Received[] = [];
let clicks: ClickData[] = [];
/** How many elements of the page each recorded selector matched. */
let matchCounts: Record<string, number> = {};
const by = (selector: string): ClickData | undefined => clicks.find((c) => c.selector === selector);

beforeAll(async () => {
  const { ingest, browser } = h;
  ingest.pages.set(
    '/clicks',
    html(sdkTag({ 'data-feedback': 'true', 'data-mask-text-selector': '.custom-mask', 'data-block-selector': '.custom-block' }), BODY),
  );
  const page = await browser.newPage();
  await page.goto(`${ingest.base}/clicks`);
  const sid = await sessionId(page);
  await page.fill('#email', SECRET_INPUT);
  await page.fill('#notes', SECRET_TEXTAREA);
  for (const sel of [
    '#pay',
    '#ember1234',
    'li.active span',
    '#close svg',
    '#email',
    '#notes',
    '#send',
    '#masked-link',
    '#blocked-btn',
    '#cm',
    '#cb',
    '#rrm',
    '#fake-btn',
    '#plain',
    'label[for="agree"]',
    '#wrapped',
    'a.deep',
  ]) {
    await page.click(sel);
  }
  await page.evaluate(() => document.getElementById('prog')!.click());
  await page.focus('#kbd');
  await page.keyboard.press('Enter');
  // The feedback widget: open it, type, cancel. None of it may become a click event.
  const widget = page.locator('reprise-feedback');
  await widget.locator('button', { hasText: 'Report a problem' }).click();
  await widget.locator('textarea').fill(SECRET_FEEDBACK);
  await widget.locator('button', { hasText: 'Cancel' }).click();
  await page.click('#pay');
  await page.evaluate(() => window.Reprise!.flush());
  // Wait for the last click (the second #pay) to arrive.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && clicksOf(ingest.forSession(sid)).filter((c) => c.selector === '#pay').length < 2)
    await new Promise((r) => setTimeout(r, 50));
  received = ingest.forSession(sid);
  clicks = clicksOf(received);
  matchCounts = await page.evaluate(
    (sels) => Object.fromEntries(sels.map((s) => [s, document.querySelectorAll(s).length])),
    clicks.map((c) => c.selector),
  );
  await page.close();
}, 30_000);

describe('click capture', () => {
  it('prefers a stable #id, then a unique data-testid, then a short tag/class path', () => {
    expect(by('#pay')).toBeDefined();
    // ember1234 looks generated: the test id wins.
    expect(by('[data-testid="checkout-btn"]')).toMatchObject({ tag: 'button', testId: 'checkout-btn' });
    // A test id shared by two elements is no selector: the stable id is used instead.
    expect(by('#wrapped')).toMatchObject({ testId: 'dup' });
    // Path to the nearest id: generated (css-…) and state (active) classes are left out.
    expect(by('#app > ul.list > li.item:nth-of-type(2) > span.caption')).toMatchObject({ tag: 'span', text: 'Two', interactive: false });
    // Without an anchor within 5 levels the path stops there.
    expect(by('div > div > div > div > a.deep')).toMatchObject({ tag: 'a', text: 'Deep link' });
    for (const c of clicks) {
      expect(c.selector.length).toBeLessThanOrEqual(300);
      // Every selector is valid CSS and names exactly the clicked element on this page.
      expect(matchCounts[c.selector], c.selector).toBe(1);
    }
  });

  it('tells hand-written ids and classes from generated ones', () => {
    for (const id of ['pay', 'checkout-form', 'main_nav', 'step2']) expect(isStableId(id), id).toBe(true);
    for (const id of ['ember1234', ':r5:', 'react-select-3-input-12', 'a1b2c3', '5items', '3f2a9c1e-77aa-4b8e'])
      expect(isStableId(id), id).toBe(false);
    for (const c of ['btn', 'btn-primary', 'list_item']) expect(isStableClass(c), c).toBe(true);
    for (const c of ['css-1x2y3z', 'sc-bdVaJa', 'Button_root__a8f3k', 'active', 'is-open', 'jsx-2391', 'hover:bg-blue-500'])
      expect(isStableClass(c), c).toBe(false);
  });

  it('takes text from visible text, aria-label, <label> and submit values', () => {
    expect(by('#pay')?.text).toBe('Pay now');
    expect(by('#close')).toMatchObject({ tag: 'button', text: 'Close dialog', interactive: true });
    expect(by('#email')).toMatchObject({ tag: 'input', inputType: 'text', text: 'Email address' });
    expect(by('#notes')).toMatchObject({ tag: 'textarea', text: 'Notes' });
    expect(by('#send')).toMatchObject({ inputType: 'submit', text: 'Send order' });
    // The masked amount inside the button is left out of its text.
    expect(by('[data-testid="checkout-btn"]')?.text).toBe('Checkout');
  });

  it('never sends input values nor masked or blocked text', () => {
    for (const sel of ['#masked-link', '#blocked-btn', '#cm', '#cb', '#rrm']) {
      const c = by(sel);
      expect(c, sel).toBeDefined();
      expect(c!.text, sel).toBeUndefined();
    }
    const all = received.map((r) => r.text).join('\n');
    for (const s of [SECRET_INPUT, SECRET_TEXTAREA, SECRET_FEEDBACK, ...PRIVATE_TEXTS]) expect(all, s).not.toContain(s);
  });

  it('flags interactive targets and resolves the closest interactive ancestor', () => {
    expect(by('#fake-btn')).toMatchObject({ interactive: true, text: 'Role Button' });
    expect(by('#plain')).toMatchObject({ tag: 'div', interactive: false, text: 'Plain words' });
    // The click landed on the <svg>, the button is what was clicked.
    expect(clicks.some((c) => c.tag === 'svg' || c.tag === 'rect')).toBe(false);
  });

  it('records a <label> click once, as a click on its control', () => {
    expect(clicks.some((c) => c.tag === 'label')).toBe(false);
    expect(clicks.filter((c) => c.selector === '#agree')).toEqual([
      expect.objectContaining({ tag: 'input', inputType: 'checkbox', text: 'I agree', interactive: true }),
    ]);
  });

  it("ignores programmatic clicks and places keyboard clicks on the element's centre", () => {
    expect(by('#prog')).toBeUndefined();
    const k = by('#kbd')!;
    expect(k).toBeDefined();
    expect(k.x).toBeGreaterThan(0);
    expect(k.y).toBeGreaterThan(0);
  });

  it('carries rounded viewport coordinates and the rrweb node id of the target', () => {
    const pay = by('#pay')!;
    expect(Number.isInteger(pay.x) && Number.isInteger(pay.y)).toBe(true);
    expect(pay.x).toBeGreaterThan(0);
    const events = received.flatMap((r) => r.batch.events);
    expect(pay.nodeId).toBe(snapshotIdOf(events, 'pay'));
    expect(pay.nodeId).toBeGreaterThan(0);
  });

  it("does not record clicks on Reprise's own feedback widget", () => {
    // Exactly the page clicks: 17 clicked, Enter on #kbd, #pay again (no widget clicks, no forwarded or programmatic ones).
    expect(clicks.filter((c) => c.selector === '#pay')).toHaveLength(2);
    expect(clicks).toHaveLength(19);
    expect(clicks.some((c) => c.tag.startsWith('reprise-') || c.selector.includes('reprise'))).toBe(false);
  });
});

describe('click capture: badge and toggle', () => {
  it('does not record clicks on the support-link badge', async () => {
    const { ingest, browser } = h;
    ingest.pages.set(
      '/clicks-link',
      html(
        '',
        `<button id="inpage">In page</button><script type="module">
          import { init } from '/esm/index.js';
          window.Reprise = init({ projectKey: 'test-key', endpoint: location.origin, link: 'tokClicks1' });
        </script>`,
      ),
    );
    const page = await browser.newPage();
    await page.goto(`${ingest.base}/clicks-link`);
    const sid = await sessionId(page);
    const badge = page.locator('reprise-badge');
    await badge.locator('span', { hasText: 'Recording for support' }).click();
    await page.click('#inpage');
    // Stop ends the recording; the capture-phase listener sees the click before it does.
    await badge.locator('button').click();
    await expect
      .poll(
        () =>
          ingest
            .forSession(sid)
            .some((r) => r.batch.events.some((e) => e.kind === 'custom' && (e.data as { type: string }).type === 'stop')),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(clicksOf(ingest.forSession(sid)).map((c) => c.selector)).toEqual(['#inpage']);
    await page.close();
  });

  it('capture.clicks = false (data-capture-clicks="false") records no click events', async () => {
    const { ingest, browser } = h;
    ingest.pages.set('/clicks-off', html(sdkTag({ 'data-capture-clicks': 'false' }), '<button id="b">Off</button>'));
    const page = await browser.newPage();
    await page.goto(`${ingest.base}/clicks-off`);
    const sid = await sessionId(page);
    await page.click('#b');
    await page.evaluate(() => window.Reprise!.flush());
    // rrweb saw the click (a MouseInteraction of type Click), so the click really happened.
    const rrwebClick = (): boolean =>
      ingest.forSession(sid).some((r) =>
        r.batch.events.some((e) => {
          const d = e.data as { type?: number; data?: { source?: number; type?: number } };
          return e.kind === 'dom' && d.type === 3 && d.data?.source === 2 && d.data.type === 2;
        }),
      );
    await expect.poll(rrwebClick, { timeout: 10_000 }).toBe(true);
    expect(clicksOf(ingest.forSession(sid))).toEqual([]);
    await page.close();
  });
});
