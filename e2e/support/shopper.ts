import type { Page } from 'playwright-core';

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
