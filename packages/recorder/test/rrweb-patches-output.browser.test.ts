import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../test-support/chromium.js';
import { pkgDir } from './support/harness.js';
import { patchRecordSource } from '../rrweb-patches.mjs';

// The SDK bundles rrweb with Reprise's patches (rrweb-patches.mjs). They may change how rrweb
// works, never what it records: the same page and the same changes must give the same events,
// byte for byte as JSON (timestamps aside), as unpatched @rrweb/record, with the snapshot taken
// in one task or sliced over many. And the nodes rrweb serializes must stay fast V8 objects
// (fast-nodes.mjs): JSON.stringify of dictionary-mode objects takes V8's slow path.

const RECORD_JS = /[\\/]@rrweb[\\/]record[\\/]dist[\\/]record\.js$/;

/** window.__record = rrweb's record(), from @rrweb/record as published or as the SDK patches it. */
async function rrwebBundle(patched: boolean): Promise<string> {
  const plugin: Plugin = {
    name: 'patched-or-not',
    setup(b) {
      b.onLoad({ filter: RECORD_JS }, async (args) => {
        const src = await readFile(args.path, 'utf8');
        return { contents: patched ? patchRecordSource(src) : src, loader: 'js' };
      });
    },
  };
  const out = await build({
    stdin: { contents: "import { record } from '@rrweb/record'; window.__record = record;", resolveDir: pkgDir, loader: 'js' },
    bundle: true,
    format: 'iife',
    write: false,
    logLevel: 'warning',
    plugins: [plugin],
  });
  return out.outputFiles[0]!.text;
}

// A page with what rrweb serializes differently: a blocked element (needBlock), SVG, masked
// text, a password, a textarea, inline styles with and without url() (style-urls.mjs: only
// those with one are rewritten, against the page's <base>); enough rows that a 1 ms slice budget
// slices it.
const BODY = `
  <main id="rows"></main>
  <div class="rr-block" id="blocked" style="width:40px;height:20px"><p>blocked</p></div>
  <div style="color: red; margin: 2px">styled</div>
  <div style="background-image: url('img/bg.png'); color: blue">with an image</div>
  <svg width="10" height="10"><circle cx="5" cy="5" r="4"></circle></svg>
  <p class="rr-mask">masked text</p>
  <input type="password" value="secret"><textarea>notes</textarea>
  <div id="from"></div><div id="to"></div><div id="attrs"></div><div id="nested"></div>
  <script>
    const rows = document.getElementById('rows');
    for (let i = 0; i < 1500; i++) {
      const r = document.createElement('div');
      r.className = i % 2 ? 'row odd' : 'row';
      r.setAttribute('data-row', String(i));
      r.innerHTML = '<span class="cell">#' + i + '</span> <a href="#item-' + i + '">open</a>';
      rows.appendChild(r);
    }
    for (let i = 0; i < 50; i++) {
      const d = document.createElement('div');
      d.textContent = 'item ' + i;
      document.getElementById('attrs').appendChild(d);
    }
  </script>`;

/**
 * Records the page's changes (the recorder benchmark's workloads, small) and returns every
 * event's JSON without its timestamp. `sliced`: the patched build's sliced snapshot, 1 ms slices.
 */
const RECORD_SCRIPT = (sliced: boolean) => `(async () => {
  const events = [];
  const task = () => new Promise((r) => setTimeout(r, 0));
  let done = ${sliced ? 'false' : 'true'};
  const stop = window.__record({
    emit(e) { events.push(e); },
    blockSelector: '[data-block]',
    maskTextSelector: '[data-mask]',
    maskInputOptions: { password: true },
    slimDOMOptions: { script: true, comment: true },
    ${sliced ? 'repriseSlicing: { budgetMs: 1, isOwnMutation: () => false, onDone: () => { done = true; }, onError: (e) => { throw e; } },' : ''}
  });
  while (!done) await task();
  await task();
  const el = (tag, text) => { const d = document.createElement(tag); d.className = 'moved'; d.textContent = text; return d; };
  // Nested elements added in one go.
  let cur = el('div', 'level 0');
  const top = cur;
  for (let i = 1; i < 100; i++) { const c = el('div', 'level ' + i); cur.appendChild(c); cur = c; }
  document.getElementById('nested').appendChild(top);
  await task();
  // Added, then moved one by one in reverse order.
  const from = document.getElementById('from');
  const to = document.getElementById('to');
  for (let i = 0; i < 300; i++) from.appendChild(el('div', 'node ' + i));
  await task();
  while (from.lastChild) to.appendChild(from.lastChild);
  await task();
  // Attribute and text changes, a blocked and a masked element added, a subtree removed.
  const items = Array.from(document.getElementById('attrs').children);
  for (let r = 0; r < 3; r++) { items.forEach((d, i) => d.setAttribute('data-state', 's' + r + '-' + i)); await task(); }
  items[0].firstChild.textContent = 'changed text';
  const blocked = el('section', 'blocked later'); blocked.setAttribute('data-block', '');
  const masked = el('section', 'masked later'); masked.setAttribute('data-mask', '');
  const styled = el('section', 'styled later'); styled.setAttribute('style', 'border: 1px solid; background: url(added.png)');
  document.body.append(blocked, masked, styled);
  document.getElementById('rows').lastChild.remove();
  await task();
  stop();
  return events.map((e) => { const { timestamp, ...rest } = e; return JSON.stringify(rest); });
})()`;

/** The recorded page's base URL, against which rrweb resolves url() in inline styles. */
const BASE = 'https://example.test/app/';

let browser: Browser;
beforeAll(async () => {
  // Natives syntax: the test asks V8 whether rrweb's serialized nodes have fast properties.
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--js-flags=--allow-natives-syntax'] });
});
afterAll(async () => {
  await browser?.close();
});

/**
 * A page that replaced DOM accessors and methods on the prototypes (as zone.js and some
 * frameworks do): rrweb then reads them from a fresh iframe's prototypes (accessors.mjs keeps
 * that). The replaced text getter upper-cases, so a read through it shows in the events.
 */
const TAINT = `(() => {
  const text = Object.getOwnPropertyDescriptor(Node.prototype, 'textContent');
  Object.defineProperty(Node.prototype, 'textContent', { ...text, get() { const v = text.get.call(this); return typeof v === 'string' ? v.toUpperCase() : v; } });
  const kids = Object.getOwnPropertyDescriptor(Node.prototype, 'childNodes');
  Object.defineProperty(Node.prototype, 'childNodes', { ...kids, get() { return kids.get.call(this); } });
  const contains = Node.prototype.contains;
  Node.prototype.contains = function (other) { return contains.call(this, other); };
})()`;

async function record(bundle: string, sliced: boolean, tainted = false): Promise<string[]> {
  const page = await browser.newPage();
  try {
    await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><base href="${BASE}"></head><body>${BODY}</body></html>`);
    if (tainted) await page.addScriptTag({ content: TAINT });
    await page.addScriptTag({ content: bundle });
    return await page.evaluate<string[]>(RECORD_SCRIPT(sliced));
  } finally {
    await page.close();
  }
}

describe("rrweb's events with Reprise's patches", () => {
  it('are the events of unpatched rrweb, snapshot in one task or sliced', async () => {
    const [plain, patched] = await Promise.all([rrwebBundle(false), rrwebBundle(true)]);
    const expected = await record(plain, false);
    // The workloads were recorded: a full snapshot and mutations, with the blocked placeholder.
    expect(expected.filter((e) => e.startsWith('{"type":2,')).length).toBe(1);
    expect(expected.filter((e) => e.startsWith('{"type":3,"data":{"source":0,')).length).toBeGreaterThanOrEqual(6);
    expect(expected.join('\n')).toContain('"rr_width"');
    // Inline styles' url() references resolved, in the snapshot and in added nodes; others as written.
    expect(expected.join('\n')).toContain(`url('${BASE}img/bg.png')`);
    expect(expected.join('\n')).toContain(`url(${BASE}added.png)`);
    expect(expected.join('\n')).toContain('"style":"color: red; margin: 2px"');
    expect(await record(patched, false)).toEqual(expected);
    expect(await record(patched, true)).toEqual(expected);
  });

  it('are the events of unpatched rrweb on a page that replaced DOM accessors (read from untainted prototypes)', async () => {
    const [plain, patched] = await Promise.all([rrwebBundle(false), rrwebBundle(true)]);
    const expected = await record(plain, false, true);
    // rrweb read the text through untainted getters (a fresh iframe's), not the page's replaced one.
    expect(expected.join('\n')).toContain('"changed text"');
    expect(expected.join('\n')).not.toContain('CHANGED TEXT');
    expect(await record(patched, false, true)).toEqual(expected);
    expect(await record(patched, true, true)).toEqual(expected);
  });

  it.each([false, true])('keeps the nodes it serializes as fast V8 objects (sliced: %s)', async (sliced) => {
    const page = await browser.newPage();
    try {
      await page.setContent(`<!doctype html><html><body>${BODY}</body></html>`);
      await page.addScriptTag({ content: await rrwebBundle(true) });
      const counts = await page.evaluate<{ nodes: number; slow: number }>(`(async () => {
        let snapshot = null;
        let mutation = null;
        const stop = window.__record({
          emit(e) { if (e.type === 2) snapshot = e; else if (e.type === 3 && e.data.source === 0) mutation = e; },
          ${sliced ? 'repriseSlicing: { budgetMs: 1, isOwnMutation: () => false, onDone: () => {}, onError: (e) => { throw e; } },' : ''}
        });
        while (snapshot === null) await new Promise((r) => setTimeout(r, 0));
        const d = document.createElement('div');
        d.innerHTML = '<p class="a">added</p><span>text</span>';
        document.body.appendChild(d);
        while (mutation === null) await new Promise((r) => setTimeout(r, 0));
        stop();
        let nodes = 0;
        let slow = 0;
        const walk = (n) => { nodes++; if (!%HasFastProperties(n)) slow++; (n.childNodes || []).forEach(walk); };
        walk(snapshot.data.node);
        mutation.data.adds.forEach((a) => walk(a.node));
        return { nodes, slow };
      })()`);
      expect(counts.nodes).toBeGreaterThan(1500);
      expect(counts.slow).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('the SDK bundles the patch (rrweb as published deletes needBlock)', async () => {
    const require = createRequire(`${pkgDir}/package.json`);
    const recordJs = require.resolve('@rrweb/record').replace(/record\.cjs$/, 'record.js');
    const src = await readFile(recordJs, 'utf8');
    expect(src).toContain('delete serializedNode.needBlock;');
    expect(patchRecordSource(src)).not.toContain('delete serializedNode.needBlock;');
  });
});
