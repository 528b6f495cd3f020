import type { Page } from 'playwright-core';
import { createRng, type Rng } from '../../test-support/rng.js';

const PRODUCTS = ['mug', 'tee', 'notebook', 'stickers', 'hoodie', 'keycap'] as const;
const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Radia'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Perlman'];

/** Thrown inside the script when the time budget is spent; ends the loop cleanly. */
class TimeUp extends Error {}

/**
 * A deterministic (seeded) shopper on the demo shop, looping until `durationMs`
 * has elapsed: browse and scroll products, add to cart, change quantities in
 * the cart, check out with typed details (per-keystroke delays) and mostly the
 * expired card (01/20: 422, then the Retry button that throws), sometimes a
 * valid card. Returns the number of completed loops.
 */
export async function runShopper(page: Page, base: string, durationMs: number, seed: number): Promise<number> {
  const rng = createRng(seed);
  const deadline = Date.now() + durationMs;
  const step = async (fn: () => Promise<unknown>): Promise<void> => {
    if (Date.now() >= deadline) throw new TimeUp();
    await fn();
  };
  const pause = (lo: number, hi: number) => step(() => page.waitForTimeout(rng.int(lo, hi)));

  // A generous first load: five sessions start side by side on a machine that may be busy.
  await page.goto(`${base}/demo/`, { timeout: 120_000 });
  let loops = 0;
  try {
    for (;;) {
      await browseProducts(page, rng, step, pause);
      await step(() => page.click('[data-testid="nav-cart"]'));
      await step(() => page.waitForURL(/\/demo\/cart/));
      await editCart(page, rng, step, pause);
      await step(() => page.click('[data-testid="go-checkout"]'));
      await step(() => page.waitForURL(/\/demo\/checkout/));
      await checkout(page, rng, step, pause);
      await step(() => page.click('[data-testid="nav-products"]'));
      await step(() => page.waitForURL(/\/demo\/$/));
      loops++;
    }
  } catch (err) {
    if (!(err instanceof TimeUp)) throw err;
  }
  return loops;
}

type Step = (fn: () => Promise<unknown>) => Promise<void>;
type Pause = (lo: number, hi: number) => Promise<void>;

async function wander(page: Page, rng: Rng, step: Step, moves: number): Promise<void> {
  for (let i = 0; i < moves; i++) {
    await step(() => page.mouse.move(rng.int(20, 1080), rng.int(80, 760), { steps: rng.int(5, 15) }));
  }
}

async function browseProducts(page: Page, rng: Rng, step: Step, pause: Pause): Promise<void> {
  await step(() => page.waitForSelector('[data-testid="add-to-cart-mug"]'));
  await wander(page, rng, step, rng.int(2, 4));
  for (let i = 0, n = rng.int(2, 4); i < n; i++) {
    await step(() => page.mouse.wheel(0, rng.int(150, 500)));
    await pause(200, 600);
  }
  await step(() => page.mouse.wheel(0, -2000));
  for (let i = 0, n = rng.int(1, 3); i < n; i++) {
    const id = rng.pick(PRODUCTS);
    await step(() => page.hover(`[data-testid="product-${id}"]`));
    await pause(300, 900);
    await step(() => page.click(`[data-testid="add-to-cart-${id}"]`));
    await pause(400, 1200);
  }
}

async function editCart(page: Page, rng: Rng, step: Step, pause: Pause): Promise<void> {
  await step(() => page.waitForSelector('[data-testid="cart-item"]'));
  await wander(page, rng, step, rng.int(1, 3));
  for (let i = 0, n = rng.int(1, 3); i < n; i++) {
    const buttons = page.locator('[data-testid="qty-increase"]');
    const count = await buttons.count();
    await step(() => buttons.nth(rng.int(0, Math.max(0, count - 1))).click());
    await pause(300, 900);
  }
  if (rng.chance(0.4)) {
    await step(() => page.locator('[data-testid="qty-decrease"]').first().click());
    await pause(300, 700);
  }
}

async function checkout(page: Page, rng: Rng, step: Step, pause: Pause): Promise<void> {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const typeInto = (selector: string, text: string) => step(() => page.type(selector, text, { delay: rng.int(60, 160) }));
  await step(() => page.waitForSelector('#email:visible'));
  await typeInto('#email', `${first}.${last}${rng.int(1, 99)}@example.com`.toLowerCase());
  await pause(300, 800);
  await typeInto('#password', `Pa55-${last}-${rng.int(1000, 9999)}`);
  await step(() => page.click('[data-testid="account-continue"]'));
  await step(() => page.waitForSelector('#card-name:visible'));
  await typeInto('#card-name', `${first} ${last}`);
  await typeInto('#card-number', '4242 4242 4242 4242');
  const expired = rng.chance(0.75);
  await typeInto('#card-expiry', expired ? '0120' : '1235');
  await typeInto('#card-cvc', String(rng.int(100, 999)));
  await wander(page, rng, step, 1);
  await step(() => page.click('[data-testid="pay"]'));
  if (expired) {
    await step(() => page.waitForSelector('[data-testid="checkout-error"]:visible'));
    await pause(800, 1800);
    await step(() => page.click('[data-testid="retry"]')); // throws a TypeError in the page, on purpose
    await pause(500, 1200);
  } else {
    await step(() => page.waitForSelector('[data-testid="order-confirmed"]:visible'));
    await pause(800, 1500);
  }
}
