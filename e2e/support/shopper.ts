import type { Page } from 'playwright-core';

/** What the help flow searches the FAQ for. */
export const FAQ_QUERY = 'card';

export const SHOPPER = { email: 'shopper.e2e@example.com', password: 'Sup3r-Secret-Pa55!', card: '4242424242424242' };

/** Products → cart (page load) → checkout (page load) → pay with an expired card → 422 → Retry throws. */
export async function checkoutWithExpiredCard(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/demo/`);
  await page.click('[data-testid="add-to-cart-mug"]');
  await page.click('[data-testid="add-to-cart-hoodie"]');
  await page.click('[data-testid="nav-cart"]');
  await page.waitForURL(/\/demo\/cart/);
  await page.click('[data-testid="go-checkout"]');
  await page.waitForURL(/\/demo\/checkout/);
  await page.fill('#email', SHOPPER.email);
  await page.type('#password', SHOPPER.password);
  await page.click('[data-testid="account-continue"]');
  await page.fill('#card-name', 'E2E Shopper');
  await page.type('#card-number', SHOPPER.card);
  await page.fill('#card-expiry', '01/20');
  await page.fill('#card-cvc', '123');
  await page.click('[data-testid="pay"]');
  await page.waitForSelector('[data-testid="checkout-error"]:visible');
  await page.click('[data-testid="retry"]');
  await page.waitForTimeout(300);
}

export function sessionIdOf(page: Page): Promise<string> {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('reprise:session') || '{}').id as string);
}

type Take = (label: string, settleMs?: number) => Promise<void>;

/** checkoutWithExpiredCard with a checkpoint after each step (page loads wait for the recorder's snapshot). */
export async function checkoutWithCheckpoints(page: Page, base: string, take: Take): Promise<void> {
  const LOAD = 900;
  // "Added!" reverts to "Add to cart" after 1.2 s: checkpoints wait it out.
  const ADDED = 1400;
  await page.goto(`${base}/demo/`);
  await take('products', LOAD);
  await page.click('[data-testid="add-to-cart-mug"]');
  await take('mug added', ADDED);
  await page.click('[data-testid="add-to-cart-hoodie"]');
  await take('hoodie added', ADDED);
  await page.click('[data-testid="nav-cart"]');
  await page.waitForURL(/\/demo\/cart/);
  await take('cart', LOAD);
  await page.click('[data-testid="go-checkout"]');
  await page.waitForURL(/\/demo\/checkout/);
  await take('checkout', LOAD);
  await page.fill('#email', SHOPPER.email);
  await page.type('#password', SHOPPER.password);
  await take('account typed');
  await page.click('[data-testid="account-continue"]');
  await take('account done');
  await page.fill('#card-name', 'E2E Shopper');
  await page.type('#card-number', SHOPPER.card);
  await page.fill('#card-expiry', '01/20');
  await page.fill('#card-cvc', '123');
  // The recorder samples inputs with rrweb's `input: 'last'`: a field's value is recorded once it is left.
  await page.press('#card-cvc', 'Tab');
  await take('card typed');
  await page.click('[data-testid="pay"]');
  await page.waitForSelector('[data-testid="checkout-error"]:visible');
  await take('payment failed');
  await page.click('[data-testid="retry"]');
  await take('retry clicked');
}

/**
 * The help page's client-side routes and forms: FAQ search submitted with Enter → Contact us
 * (pushState) → fill in → Send → help/sent (pushState).
 */
export async function contactSupport(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/demo/help`);
  // The FAQ search has no button: Enter submits it (and commits the field's value).
  await page.fill('#faq-query', FAQ_QUERY);
  await page.press('#faq-query', 'Enter');
  await page.getByTestId('faq-results').getByText('expired card').waitFor();
  await page.click('[data-testid="help-contact"]');
  await page.waitForURL(/\/demo\/help\/contact$/);
  await page.fill('#contact-email', SHOPPER.email);
  await page.selectOption('#contact-topic', 'payment');
  await page.fill('#contact-message', 'My card was refused.');
  await page.click('[data-testid="contact-send"]');
  await page.waitForURL(/\/demo\/help\/sent$/);
  await page.getByTestId('contact-sent').waitFor();
}
