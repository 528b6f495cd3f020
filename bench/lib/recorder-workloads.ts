import type { Page } from 'playwright-core';
import type { WorkloadName } from '../pages/workloads.js';
import { readyExpression, recorderAttrs, type Variant } from './recorder-variants.js';

/** Where the page is loaded from and which project the Reprise SDK uploads to. */
export interface Site {
  base: string;
  projectKey: string;
}

/**
 * One workload. `open` loads and prepares the page outside the measured window (for 'action'
 * workloads it also starts the recorder); `act` is the measured window (the drain that follows
 * it is measured too, see recorder-measure.ts).
 */
export interface Workload {
  key: string;
  label: string;
  /** Elements, nodes or keystrokes: what `size` means is in the label. */
  size: number;
  /** 'start': the window is the recorder starting (its initial snapshot); 'action': DOM work on a recording page. */
  window: 'start' | 'action';
  viewport: { width: number; height: number };
  /** Run before any page script of every document (e.g. the demo shop's cart). */
  initScript?: string;
  open(page: Page, site: Site, variant: Variant): Promise<void>;
  act(page: Page, site: Site, variant: Variant): Promise<void>;
}

/** Adds a script element with these attributes to the loaded page; resolves once it has loaded. */
export function addScript(page: Page, attrs: Record<string, string>): Promise<void> {
  return page.evaluate(
    (a) =>
      new Promise<void>((resolve, reject) => {
        const s = document.createElement('script');
        for (const [k, v] of Object.entries(a)) s.setAttribute(k, v);
        s.onload = () => resolve();
        s.onerror = () => reject(new Error(`could not load ${a.src}`));
        document.head.appendChild(s);
      }),
    attrs,
  );
}

/** Adds the variant's script element to the loaded page and waits until it records. */
export async function startRecorder(page: Page, site: Site, variant: Variant): Promise<void> {
  await addScript(page, recorderAttrs(variant, site.projectKey));
  await waitUntilRecording(page, variant);
}

export async function waitUntilRecording(page: Page, variant: Variant): Promise<void> {
  await page.waitForFunction(readyExpression(variant), undefined, { polling: 25, timeout: 30_000 });
}

function synthetic(key: WorkloadName, label: string, size: number, kind: Workload['window']): Workload {
  return {
    key,
    label,
    size,
    window: kind,
    viewport: { width: 1100, height: 800 },
    async open(page, site, variant) {
      await page.goto(`${site.base}/bench/page.html`);
      const nodes = await page.evaluate(([n, s]) => window.__bench.setup(n, s), [key, size] as const);
      if (key === 'snapshot' && nodes < size) throw new Error(`snapshot page has ${nodes} nodes, wanted ${size}`);
      if (kind === 'action') await startRecorder(page, site, variant);
    },
    async act(page, site, variant) {
      if (kind === 'start') await startRecorder(page, site, variant);
      else await page.evaluate(([n, s]) => window.__bench.run(n, s), [key, size] as const);
    },
  };
}

// Products of examples/demo-shop/products.js, put in the cart so the checkout page opens on its form.
const DEMO_CART = `try { if (!localStorage.getItem('reprise-demo-cart')) localStorage.setItem('reprise-demo-cart', '[{"id":"mug","qty":2},{"id":"tee","qty":1}]'); } catch (e) {}`;

/** What the demo session types, keystroke by keystroke; the short version keeps smoke runs quick. */
const DEMO_TYPED = {
  full: {
    email: 'ada.lovelace@example.com',
    password: 'Pa55-Lovelace-1815',
    name: 'Ada Lovelace',
    number: '4242 4242 4242 4242',
    expiry: '0120',
    cvc: '123',
  },
  short: { email: 'ada@ex.io', password: 'pw-1815', name: 'Ada', number: '4242424242424242', expiry: '0120', cvc: '123' },
};

/**
 * The demo shop's checkout page (its real recorder tag, rewritten per variant): type the
 * account and card details keystroke by keystroke, scroll the page up and down between
 * fields, pay (the expired card: a 422 and an error message), press Retry (throws).
 */
function demoCheckout(typing: keyof typeof DEMO_TYPED): Workload {
  const t = DEMO_TYPED[typing];
  const keystrokes = Object.values(t).reduce((n, s) => n + s.length, 0);
  return {
    key: 'demo',
    label: `Demo shop checkout: ${keystrokes} keystrokes, scrolling, a failed payment`,
    size: keystrokes,
    window: 'action',
    // Short viewport so the checkout form scrolls.
    viewport: { width: 1000, height: 420 },
    initScript: DEMO_CART,
    async open(page, site, variant) {
      await page.goto(`${site.base}/demo/checkout?recorder=${variant}`);
      await page.waitForSelector('#email:visible');
      await waitUntilRecording(page, variant);
    },
    async act(page) {
      const type = (sel: string, s: string) => page.type(sel, s, { delay: 5 });
      const scroll = async () => {
        for (const dy of [150, 150, -150, -150]) {
          await page.mouse.wheel(0, dy);
          await page.waitForTimeout(20);
        }
      };
      await page.mouse.move(300, 200, { steps: 8 });
      await type('#email', t.email);
      await type('#password', t.password);
      await scroll();
      await page.click('[data-testid="account-continue"]');
      await page.waitForSelector('#card-name:visible');
      await type('#card-name', t.name);
      await type('#card-number', t.number);
      await scroll();
      await type('#card-expiry', t.expiry);
      await type('#card-cvc', t.cvc);
      await page.mouse.move(500, 300, { steps: 8 });
      await page.click('[data-testid="pay"]');
      await page.waitForSelector('[data-testid="checkout-error"]:visible');
      await page.click('[data-testid="retry"]'); // throws a TypeError in the page, on purpose
      await scroll();
    },
  };
}

export interface WorkloadSizes {
  nested: number;
  addMove: number;
  attributes: number;
  snapshotNodes: number;
  demoTyping: keyof typeof DEMO_TYPED;
}

export const FULL_SIZES: WorkloadSizes = { nested: 1000, addMove: 10_000, attributes: 10_000, snapshotNodes: 50_000, demoTyping: 'full' };
export const SMOKE_SIZES: WorkloadSizes = { nested: 50, addMove: 200, attributes: 200, snapshotNodes: 1000, demoTyping: 'short' };

export function workloads(s: WorkloadSizes): Workload[] {
  return [
    synthetic('nested', `${s.nested} nested elements added`, s.nested, 'action'),
    synthetic('addMove', `${s.addMove} elements added, then moved`, s.addMove, 'action'),
    synthetic(
      'attributes',
      `${s.attributes} attribute changes (${Math.round(s.attributes / 10)} elements × 10 tasks)`,
      s.attributes,
      'action',
    ),
    synthetic('snapshot', `Initial snapshot of a ${s.snapshotNodes}-node page`, s.snapshotNodes, 'start'),
    demoCheckout(s.demoTyping),
  ];
}
