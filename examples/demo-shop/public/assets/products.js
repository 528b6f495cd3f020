// Product list page: renders the catalogue from GET api/products.
document.addEventListener('DOMContentLoaded', function () {
  var list = document.querySelector('[data-testid="product-list"]');
  var status = document.querySelector('[data-products-status]');

  Shop.fetchProducts()
    .then(function (products) {
      status.hidden = true;
      products.forEach(function (product) {
        var li = document.createElement('li');
        li.className = 'product';
        li.dataset.testid = 'product-' + product.id;

        var name = document.createElement('h2');
        name.textContent = product.name;
        var description = document.createElement('p');
        description.className = 'muted';
        description.textContent = product.description;
        var price = document.createElement('p');
        price.className = 'price';
        price.textContent = Shop.formatPrice(product.price);

        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'button';
        button.dataset.testid = 'add-to-cart-' + product.id;
        button.textContent = 'Add to cart';
        button.addEventListener('click', function () {
          Shop.cart.add(product.id);
          button.textContent = 'Added ✓';
          setTimeout(function () {
            button.textContent = 'Add to cart';
          }, 1200);
        });

        li.append(Shop.productArt(product), name, description, price, button);
        list.append(li);
      });
    })
    .catch(function (error) {
      status.textContent = 'Could not load products: ' + error.message;
    });
});
