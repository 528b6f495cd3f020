// Checkout page: an account step, then a payment step, on one page.
//
// Contains a DELIBERATE BUG for demos (see README.md): when a payment is
// rejected, "Retry payment" throws an uncaught TypeError.
document.addEventListener('DOMContentLoaded', function () {
  var status = document.querySelector('[data-checkout-status]');
  var steps = {
    account: document.querySelector('[data-step="account"]'),
    payment: document.querySelector('[data-step="payment"]'),
    done: document.querySelector('[data-step="done"]'),
  };
  var accountForm = document.querySelector('[data-testid="account-form"]');
  var paymentForm = document.querySelector('[data-testid="payment-form"]');
  var payButton = document.querySelector('[data-testid="pay"]');
  var retryButton = document.querySelector('[data-testid="retry"]');
  var errorBox = document.querySelector('[data-testid="checkout-error"]');
  var expiryInput = document.getElementById('card-expiry');

  var email = '';
  var lines = [];
  var lastOrder; // the last successful order: { confirmation: { id, total } }

  function showStep(name) {
    Object.keys(steps).forEach(function (key) {
      steps[key].hidden = key !== name;
    });
  }

  Shop.fetchProducts()
    .then(function (products) {
      lines = Shop.cartLines(products);
      if (lines.length === 0) {
        status.innerHTML = 'Your cart is empty. <a href="./">Browse products</a>.';
        return;
      }
      status.hidden = true;
      document.querySelector('[data-checkout-total]').textContent = Shop.formatPrice(Shop.linesTotal(lines));
      showStep('account');
      document.getElementById('email').focus();
    })
    .catch(function (error) {
      status.textContent = 'Could not load checkout: ' + error.message;
    });

  // Step 1: the password is only checked for presence here and never sent.
  accountForm.addEventListener('submit', function (event) {
    event.preventDefault();
    email = accountForm.elements.email.value.trim();
    document.querySelector('[data-account-email]').textContent = email;
    showStep('payment');
    document.getElementById('card-name').focus();
  });

  // Type "0125" and get "01/25".
  expiryInput.addEventListener('input', function () {
    var digits = expiryInput.value.replace(/\D/g, '').slice(0, 4);
    expiryInput.value = digits.length > 2 ? digits.slice(0, 2) + '/' + digits.slice(2) : digits;
  });

  // Step 2: pay.
  paymentForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitPayment();
  });

  retryButton.addEventListener('click', function () {
    // BUG (deliberate): retry assumes a previous attempt created an order to
    // retry against, but lastOrder is only set after a *successful* payment.
    // After a 422 it is undefined, so this throws
    // "TypeError: Cannot read properties of undefined (reading 'confirmation')".
    var previousOrderId = lastOrder.confirmation.id;
    submitPayment(previousOrderId);
  });

  function submitPayment(retryOf) {
    var body = {
      email: email,
      items: lines.map(function (line) {
        return { id: line.product.id, qty: line.qty };
      }),
      card: {
        name: paymentForm.elements['card-name'].value.trim(),
        number: paymentForm.elements['card-number'].value.replace(/\s+/g, ''),
        expiry: paymentForm.elements['card-expiry'].value.trim(),
        cvc: paymentForm.elements['card-cvc'].value.trim(),
      },
    };
    if (retryOf) body.retryOf = retryOf;

    errorBox.hidden = true;
    retryButton.hidden = true;
    payButton.disabled = true;
    payButton.textContent = 'Paying…';

    fetch('api/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then(function (res) {
        return res
          .json()
          .catch(function () {
            return {};
          })
          .then(function (json) {
            return { status: res.status, body: json };
          });
      })
      .then(function (result) {
        if (result.status === 201) {
          lastOrder = { confirmation: { id: result.body.orderId, total: result.body.total } };
          Shop.cart.clear();
          document.querySelector('[data-order-id]').textContent = result.body.orderId;
          document.querySelector('[data-order-total]').textContent = Shop.formatPrice(result.body.total);
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
      .catch(function (error) {
        showError('Network error: ' + error.message);
      })
      .finally(function () {
        payButton.disabled = false;
        payButton.textContent = 'Pay';
      });
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }
});
