// Help page: a small client-side router (history.pushState) over three views at
// help, help/contact and help/sent, a FAQ search submitted with Enter (GET api/help/search),
// and a contact form that posts to api/support.
// The page's <base> is the shop's root, so relative URLs work on every route.
document.addEventListener('DOMContentLoaded', function () {
  var rootPath = new URL(document.baseURI).pathname;
  var views = document.querySelectorAll('[data-view]');
  var form = document.querySelector('[data-testid="contact-form"]');
  var errorBox = document.querySelector('[data-testid="contact-error"]');
  var sendButton = document.querySelector('[data-testid="contact-send"]');

  function viewFor(pathname) {
    var route = pathname.slice(rootPath.length);
    if (route === 'help/contact') return 'contact';
    if (route === 'help/sent') return 'sent';
    return 'faq';
  }

  function render() {
    var name = viewFor(location.pathname);
    views.forEach(function (view) {
      view.hidden = view.getAttribute('data-view') !== name;
    });
    if (name === 'contact') document.getElementById('contact-email').focus();
  }

  function navigate(href) {
    history.pushState(null, '', href);
    render();
  }

  document.addEventListener('click', function (event) {
    var link = event.target.closest('a[data-route]');
    if (!link) return;
    event.preventDefault();
    navigate(link.href);
  });
  window.addEventListener('popstate', render);

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    sendButton.disabled = true;
    fetch('api/support', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: form.elements.email.value.trim(),
        topic: form.elements.topic.value,
        message: form.elements.message.value,
      }),
    })
      .then(function (res) {
        return res.json().then(function (body) {
          if (res.status !== 201) throw new Error(body.message || 'HTTP ' + res.status);
          return body;
        });
      })
      .then(function (body) {
        document.querySelector('[data-ticket-id]').textContent = body.ticketId;
        form.reset();
        navigate('help/sent');
      })
      .catch(function (error) {
        errorBox.textContent = 'Could not send: ' + error.message;
        errorBox.hidden = false;
      })
      .finally(function () {
        sendButton.disabled = false;
      });
  });

  var search = document.querySelector('[data-testid="faq-search"]');
  var results = document.querySelector('[data-testid="faq-results"]');
  search.addEventListener('submit', function (event) {
    event.preventDefault();
    fetch('api/help/search?q=' + encodeURIComponent(search.elements.q.value.trim()))
      .then(function (res) {
        return res.json();
      })
      .then(function (body) {
        results.textContent = '';
        (body.results.length ? body.results : [{ question: 'No answer matches "' + body.query + '".', answer: '' }]).forEach(function (r) {
          var item = document.createElement('li');
          item.textContent = r.answer ? r.question + ' ' + r.answer : r.question;
          results.appendChild(item);
        });
        results.hidden = false;
      })
      .catch(function () {
        results.textContent = 'Search is unavailable.';
        results.hidden = false;
      });
  });

  render();
});
