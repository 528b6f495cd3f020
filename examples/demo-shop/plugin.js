// The Reprise demo shop: a small multi-page shop with the recorder installed.
// Registered by the Reprise server under /demo; see README.md for the pages
// and the deliberately broken checkout.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { products } from './products.js';

const publicDir = new URL('./public/', import.meta.url);

/** Full-page routes (relative to the plugin prefix) and the file each serves. */
const pages = { '/': 'index.html', '/cart': 'cart.html', '/checkout': 'checkout.html', '/help': 'help.html', '/help/*': 'help.html' };

/** Shared assets under /assets/ and their content types. */
const assets = {
  'shop.css': 'text/css; charset=utf-8',
  'shop.js': 'text/javascript; charset=utf-8',
  'products.js': 'text/javascript; charset=utf-8',
  'cart.js': 'text/javascript; charset=utf-8',
  'checkout.js': 'text/javascript; charset=utf-8',
  'help.js': 'text/javascript; charset=utf-8',
};

/**
 * The release the bundled checkout page records with (`data-release`), the one its source map is
 * uploaded to (docs/sourcemaps.md).
 */
export const DEMO_RELEASE = 'demo-shop@1.0.0';

/** The minified bundle built from src/checkout.ts by build.mjs, and its map. */
const bundled = {
  'checkout.min.js': 'text/javascript; charset=utf-8',
  'checkout.min.js.map': 'application/json; charset=utf-8',
};

const RECORDER_PLACEHOLDER = '<!-- reprise:recorder -->';
// The help page routes on the client (help/contact is no file), so its relative URLs resolve
// against the shop's root, whatever the prefix.
const BASE_PLACEHOLDER = '<!-- reprise:base -->';

/** @param {string} value */
function escapeHtml(value) {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Fastify plugin serving the demo shop. Register it with a prefix:
 * `app.register(demoShop, { prefix: '/demo', projectKey, sdkUrl: '/sdk/reprise.js' })`.
 *
 * @param {import('fastify').FastifyInstance} app
 * @param {{ projectKey: string, sdkUrl?: string }} opts
 */
export default async function demoShop(app, opts) {
  const { projectKey, sdkUrl = '/sdk/reprise.js' } = opts;
  if (typeof projectKey !== 'string' || projectKey === '') {
    throw new TypeError('demo-shop: opts.projectKey must be a non-empty string');
  }
  const recorderTag = `<script src="${escapeHtml(sdkUrl)}" data-project-key="${escapeHtml(projectKey)}" async></script>`;

  // Everything is small, so read it once at startup.
  /** @type {Map<string, string>} */
  const files = new Map();
  for (const name of Object.values(pages)) {
    const html = await readFile(new URL(name, publicDir), 'utf8');
    files.set(name, html.replace(RECORDER_PLACEHOLDER, recorderTag).replace(BASE_PLACEHOLDER, `<base href="${escapeHtml(app.prefix)}/">`));
  }
  for (const name of Object.keys(assets)) {
    files.set(`assets/${name}`, await readFile(new URL(`assets/${name}`, publicDir), 'utf8'));
  }
  // The checkout page again, loading the minified bundle and recording its release. Only once
  // build.mjs has run (npm run build); without it the page answers 404 and says so.
  for (const name of Object.keys(bundled)) {
    const text = await readFile(new URL(`assets/dist/${name}`, publicDir), 'utf8').catch(() => null);
    if (text !== null) files.set(`assets/dist/${name}`, text);
  }
  if (files.has('assets/dist/checkout.min.js')) {
    const releaseTag = recorderTag.replace('></script>', ` data-release="${escapeHtml(DEMO_RELEASE)}"></script>`);
    const page = await readFile(new URL('checkout.html', publicDir), 'utf8');
    files.set(
      'checkout-bundled.html',
      page.replace(RECORDER_PLACEHOLDER, releaseTag).replace('src="assets/checkout.js"', 'src="assets/dist/checkout.min.js"'),
    );
  }
  app.get('/checkout-bundled', async (_request, reply) => {
    const html = files.get('checkout-bundled.html');
    if (!html) return reply.code(404).type('text/plain').send('the bundled checkout is not built: npm run build -w @reprise/demo-shop');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  });
  app.get('/assets/dist/:file', async (request, reply) => {
    const { file } = /** @type {{ file: string }} */ (request.params);
    const type = Object.hasOwn(bundled, file) ? bundled[/** @type {keyof typeof bundled} */ (file)] : undefined;
    const body = files.get(`assets/dist/${file}`);
    if (!type || body === undefined) return reply.code(404).send({ error: 'not_found' });
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });

  // --- Pages -----------------------------------------------------------------
  for (const [path, name] of Object.entries(pages)) {
    app.get(path, async (request, reply) => {
      // Pages use relative links, so the product list must live at "/demo/".
      const [pathname, query] = request.url.split('?');
      if (path === '/' && !pathname.endsWith('/')) {
        return reply.redirect(`${pathname}/${query === undefined ? '' : `?${query}`}`, 302);
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(files.get(name));
    });
  }

  app.get('/assets/:file', async (request, reply) => {
    const { file } = /** @type {{ file: string }} */ (request.params);
    const type = Object.hasOwn(assets, file) ? assets[/** @type {keyof typeof assets} */ (file)] : undefined;
    if (!type) return reply.code(404).send({ error: 'not_found' });
    return reply
      .type(type)
      .header('cache-control', 'no-cache')
      .send(files.get(`assets/${file}`));
  });

  // --- API -------------------------------------------------------------------
  app.get('/api/products', async () =>
    products.map(({ id, name, description, priceCents, hue }) => ({ id, name, description, price: priceCents / 100, hue })),
  );

  app.post('/api/checkout', async (request, reply) => {
    const result = validateCheckout(request.body);
    if ('error' in result) return reply.code(400).send(result.error);

    const [month, year] = result.expiry;
    if (isExpired(month, year, new Date())) {
      // The message is misleading on purpose: the format is fine, the card is
      // expired. It is part of the demo's bug chain (see README.md).
      return reply.code(422).send({ error: 'card_expired', field: 'card_expiry', message: 'card_expiry invalid format' });
    }

    const orderId = `ord_${randomBytes(6).toString('hex')}`;
    return reply.code(201).send({ orderId, total: result.totalCents / 100 });
  });

  // The help page's contact form. The message is not kept (nor echoed back).
  app.post('/api/support', async (request, reply) => {
    const body = /** @type {Record<string, unknown> | null} */ (request.body);
    const email = body?.email;
    if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      return reply.code(400).send({ error: 'invalid_request', field: 'email', message: 'email is missing or invalid' });
    }
    if (typeof body?.message !== 'string' || body.message.trim() === '') {
      return reply.code(400).send({ error: 'invalid_request', field: 'message', message: 'message is missing' });
    }
    return reply.code(201).send({ ticketId: `T-${randomBytes(3).toString('hex').toUpperCase()}` });
  });
}

/**
 * Checks the shape of a checkout request. Never echoes card details back.
 *
 * @param {unknown} body
 * @returns {{ error: { error: 'invalid_request', field: string, message: string } }
 *   | { totalCents: number, expiry: [number, number] }}
 */
function validateCheckout(body) {
  /** @param {string} field @param {string} message */
  const invalid = (field, message) => ({ error: { error: /** @type {const} */ ('invalid_request'), field, message } });
  /** @param {unknown} v @returns {v is Record<string, unknown>} */
  const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

  if (!isObject(body)) return invalid('body', 'expected a JSON object');
  const { email, items, card } = body;

  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    return invalid('email', 'email is missing or invalid');
  }

  if (!Array.isArray(items) || items.length === 0) return invalid('items', 'items must be a non-empty array');
  let totalCents = 0;
  for (const item of items) {
    const product = isObject(item) ? products.find((p) => p.id === item.id) : undefined;
    if (!isObject(item) || !product) return invalid('items', 'unknown product');
    const { qty } = item;
    if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > 99) {
      return invalid('items', 'qty must be an integer from 1 to 99');
    }
    totalCents += product.priceCents * qty;
  }

  if (!isObject(card)) return invalid('card', 'card is missing');
  const { name, number, expiry, cvc } = card;
  if (typeof name !== 'string' || name.trim() === '') return invalid('card_name', 'card_name is missing');
  if (typeof number !== 'string' || !/^\d{12,19}$/.test(number.replace(/[\s-]/g, ''))) {
    return invalid('card_number', 'card_number is missing or invalid');
  }
  const expiryMatch = typeof expiry === 'string' ? /^(0[1-9]|1[0-2])\/(\d{2})$/.exec(expiry.trim()) : null;
  if (!expiryMatch) return invalid('card_expiry', 'card_expiry must be MM/YY');
  if (typeof cvc !== 'string' || !/^\d{3,4}$/.test(cvc)) return invalid('card_cvc', 'card_cvc must be 3 or 4 digits');

  return { totalCents, expiry: [Number(expiryMatch[1]), 2000 + Number(expiryMatch[2])] };
}

/**
 * A card is valid through the last day of its expiry month.
 * @param {number} month 1–12
 * @param {number} year four digits
 * @param {Date} now
 */
function isExpired(month, year, now) {
  const currentYear = now.getFullYear();
  return year < currentYear || (year === currentYear && month < now.getMonth() + 1);
}
