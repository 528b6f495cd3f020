// Shared helpers for every page of the demo shop: the cart (kept in
// localStorage), the product catalogue and the header's item count.
// Exposed as a global `Shop` so the small per-page scripts can use it.
(function () {
  'use strict';

  var CART_KEY = 'reprise-demo-cart';

  /** @returns {{ id: string, qty: number }[]} */
  function readCart() {
    try {
      var items = JSON.parse(localStorage.getItem(CART_KEY) || '[]');
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  function writeCart(items) {
    localStorage.setItem(CART_KEY, JSON.stringify(items));
    renderCartCount();
  }

  var cart = {
    items: readCart,
    count: function () {
      return readCart().reduce(function (sum, item) {
        return sum + item.qty;
      }, 0);
    },
    add: function (id) {
      var items = readCart();
      var existing = items.find(function (item) {
        return item.id === id;
      });
      if (existing) existing.qty += 1;
      else items.push({ id: id, qty: 1 });
      writeCart(items);
    },
    /** Sets an item's quantity; 0 removes it. */
    setQty: function (id, qty) {
      var items = readCart()
        .map(function (item) {
          return item.id === id ? { id: id, qty: qty } : item;
        })
        .filter(function (item) {
          return item.qty > 0;
        });
      writeCart(items);
    },
    clear: function () {
      writeCart([]);
    },
  };

  var productsPromise;
  /** Fetches the catalogue once per page load. */
  function fetchProducts() {
    if (!productsPromise) {
      productsPromise = fetch('api/products').then(function (res) {
        if (!res.ok) throw new Error('GET api/products failed with ' + res.status);
        return res.json();
      });
    }
    return productsPromise;
  }

  /** Joins the cart with the catalogue: [{ product, qty }], dropping unknown ids. */
  function cartLines(products) {
    return readCart()
      .map(function (item) {
        var product = products.find(function (p) {
          return p.id === item.id;
        });
        return product ? { product: product, qty: item.qty } : null;
      })
      .filter(Boolean);
  }

  function linesTotal(lines) {
    var cents = lines.reduce(function (sum, line) {
      return sum + Math.round(line.product.price * 100) * line.qty;
    }, 0);
    return cents / 100;
  }

  var money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  function formatPrice(amount) {
    return money.format(amount);
  }

  function renderCartCount() {
    var count = String(cart.count());
    document.querySelectorAll('[data-cart-count]').forEach(function (el) {
      el.textContent = count;
    });
  }

  /** A product "photo": a coloured tile with the product's initials (no images needed). */
  function productArt(product) {
    var art = document.createElement('div');
    art.className = 'product-art';
    art.style.setProperty('--hue', String(product.hue));
    art.setAttribute('aria-hidden', 'true');
    art.textContent = product.name
      .split(' ')
      .map(function (word) {
        return word[0];
      })
      .join('')
      .slice(0, 2);
    return art;
  }

  document.addEventListener('DOMContentLoaded', renderCartCount);
  // Keep the count right when another tab changes the cart.
  window.addEventListener('storage', function (event) {
    if (event.key === CART_KEY) renderCartCount();
  });

  window.Shop = {
    cart: cart,
    fetchProducts: fetchProducts,
    cartLines: cartLines,
    linesTotal: linesTotal,
    formatPrice: formatPrice,
    productArt: productArt,
  };
})();
