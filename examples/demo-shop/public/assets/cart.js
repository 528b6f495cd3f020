// Cart page: lists the cart's items with quantity buttons and the total.
document.addEventListener('DOMContentLoaded', function () {
  var list = document.querySelector('[data-testid="cart-items"]');
  var status = document.querySelector('[data-cart-status]');
  var summary = document.querySelector('[data-cart-summary]');
  var total = document.querySelector('[data-testid="cart-total"]');

  function render(products) {
    var lines = Shop.cartLines(products);
    list.replaceChildren();
    status.hidden = lines.length > 0;
    if (lines.length === 0) status.innerHTML = 'Your cart is empty. <a href="./">Browse products</a>.';
    summary.hidden = lines.length === 0;
    total.textContent = Shop.formatPrice(Shop.linesTotal(lines));

    lines.forEach(function (line) {
      var product = line.product;
      var li = document.createElement('li');
      li.className = 'cart-item';
      li.dataset.testid = 'cart-item';
      li.dataset.productId = product.id;

      var name = document.createElement('span');
      name.className = 'cart-item-name';
      name.textContent = product.name;

      var qty = document.createElement('span');
      qty.className = 'qty';
      qty.dataset.testid = 'qty';
      qty.textContent = String(line.qty);

      var lineTotal = document.createElement('span');
      lineTotal.className = 'price';
      lineTotal.textContent = Shop.formatPrice(product.price * line.qty);

      li.append(
        Shop.productArt(product),
        name,
        qtyButton('−', 'Decrease quantity', 'qty-decrease', line.qty - 1),
        qty,
        qtyButton('+', 'Increase quantity', 'qty-increase', line.qty + 1),
        lineTotal,
      );
      list.append(li);

      function qtyButton(label, ariaLabel, testid, nextQty) {
        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'qty-button';
        button.textContent = label;
        button.setAttribute('aria-label', ariaLabel + ' of ' + product.name);
        button.dataset.testid = testid;
        button.addEventListener('click', function () {
          Shop.cart.setQty(product.id, nextQty);
          render(products);
        });
        return button;
      }
    });
  }

  Shop.fetchProducts()
    .then(render)
    .catch(function (error) {
      status.textContent = 'Could not load the cart: ' + error.message;
    });
});
