// Checkout page, the TypeScript source of the minified bundle served at /demo/checkout-bundled
// (build.mjs: esbuild, with its source map). It behaves as public/assets/checkout.js does: an
// account step, then a payment step, and the same DELIBERATE BUG (see README.md): when a payment
// is rejected, "Retry payment" throws an uncaught TypeError, here inside retryPayment().

interface Product {
  id: string;
}
interface CartLine {
  product: Product;
  qty: number;
}
interface ShopApi {
  cart: { clear(): void };
  fetchProducts(): Promise<Product[]>;
  cartLines(products: Product[]): CartLine[];
  linesTotal(lines: CartLine[]): number;
  formatPrice(n: number): string;
}
interface Order {
  confirmation: { id: string; total: number };
}
interface CheckoutResult {
  status: number;
  body: { orderId?: string; total?: number; message?: string };
}

declare const Shop: ShopApi;

function byTestId<T extends HTMLElement>(id: string): T {
  return document.querySelector(`[data-testid="${id}"]`) as T;
}

document.addEventListener('DOMContentLoaded', () => {
  const status = document.querySelector('[data-checkout-status]') as HTMLElement;
  const steps: Record<string, HTMLElement> = {
    account: document.querySelector('[data-step="account"]') as HTMLElement,
    payment: document.querySelector('[data-step="payment"]') as HTMLElement,
    done: document.querySelector('[data-step="done"]') as HTMLElement,
  };
  const accountForm = byTestId<HTMLFormElement>('account-form');
  const paymentForm = byTestId<HTMLFormElement>('payment-form');
  const payButton = byTestId<HTMLButtonElement>('pay');
  const retryButton = byTestId<HTMLButtonElement>('retry');
  const errorBox = byTestId<HTMLElement>('checkout-error');
  const expiryInput = document.getElementById('card-expiry') as HTMLInputElement;

  let email = '';
  let lines: CartLine[] = [];
  let lastOrder: Order | undefined; // the last successful order

  function showStep(name: string): void {
    for (const key of Object.keys(steps)) steps[key]!.hidden = key !== name;
  }

  function field(name: string): string {
    return (paymentForm.elements.namedItem(name) as HTMLInputElement).value;
  }

  Shop.fetchProducts()
    .then((products) => {
      lines = Shop.cartLines(products);
      if (lines.length === 0) {
        status.innerHTML = 'Your cart is empty. <a href="./">Browse products</a>.';
        return;
      }
      status.hidden = true;
      (document.querySelector('[data-checkout-total]') as HTMLElement).textContent = Shop.formatPrice(Shop.linesTotal(lines));
      showStep('account');
      (document.getElementById('email') as HTMLInputElement).focus();
    })
    .catch((error: Error) => {
      status.textContent = 'Could not load checkout: ' + error.message;
    });

  // Step 1: the password is only checked for presence here and never sent.
  accountForm.addEventListener('submit', (event) => {
    event.preventDefault();
    email = (accountForm.elements.namedItem('email') as HTMLInputElement).value.trim();
    (document.querySelector('[data-account-email]') as HTMLElement).textContent = email;
    showStep('payment');
    (document.getElementById('card-name') as HTMLInputElement).focus();
  });

  // Type "0125" and get "01/25".
  expiryInput.addEventListener('input', () => {
    const digits = expiryInput.value.replace(/\D/g, '').slice(0, 4);
    expiryInput.value = digits.length > 2 ? digits.slice(0, 2) + '/' + digits.slice(2) : digits;
  });

  // Step 2: pay.
  paymentForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitPayment();
  });

  retryButton.addEventListener('click', () => retryPayment());

  function retryPayment(): void {
    // BUG (deliberate): retry assumes a previous attempt created an order to retry against, but
    // lastOrder is only set after a *successful* payment. After a 422 it is undefined, so this throws
    // "TypeError: Cannot read properties of undefined (reading 'confirmation')".
    const previousOrderId = (lastOrder as Order).confirmation.id;
    submitPayment(previousOrderId);
  }

  function submitPayment(retryOf?: string): void {
    const body: Record<string, unknown> = {
      email,
      items: lines.map((line) => ({ id: line.product.id, qty: line.qty })),
      card: {
        name: field('card-name').trim(),
        number: field('card-number').replace(/\s+/g, ''),
        expiry: field('card-expiry').trim(),
        cvc: field('card-cvc').trim(),
      },
    };
    if (retryOf) body.retryOf = retryOf;

    errorBox.hidden = true;
    retryButton.hidden = true;
    payButton.disabled = true;
    payButton.textContent = 'Paying…';

    fetch('api/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then((res) =>
        res
          .json()
          .catch(() => ({}))
          .then((json): CheckoutResult => ({ status: res.status, body: json })),
      )
      .then((result) => {
        if (result.status === 201) {
          lastOrder = { confirmation: { id: result.body.orderId!, total: result.body.total! } };
          Shop.cart.clear();
          (document.querySelector('[data-order-id]') as HTMLElement).textContent = result.body.orderId!;
          (document.querySelector('[data-order-total]') as HTMLElement).textContent = Shop.formatPrice(result.body.total!);
          showStep('done');
          return;
        }
        showError(result.body.message || 'Payment failed (HTTP ' + result.status + ').');
        if (result.status === 422) {
          console.warn('Checkout rejected', { status: result.status, body: result.body });
          console.error(result.body.message);
          retryButton.hidden = false;
        }
      })
      .catch((error: Error) => showError('Network error: ' + error.message))
      .finally(() => {
        payButton.disabled = false;
        payButton.textContent = 'Pay';
      });
  }

  function showError(message: string): void {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }
});
