import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { KeyData, ReplayEvent } from '@reprise/protocol';
import { html, sdkTag, type Received } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

const h = useHarness();

const PASSWORD = 'Sw0rdfish!Qz';
const USER = 'adalovelace';
const QUERY = 'wintershoes';
const CHAT = 'hello-chatline';

const BODY = `
<form id="login" onsubmit="event.preventDefault()">
  <label for="user">User</label> <input id="user" type="text">
  <label for="pw">Password</label> <input id="pw" type="password">
  <button type="submit" id="go">Sign in</button>
</form>
<label for="q">Search</label> <input id="q" type="search" data-testid="search">
<textarea id="chat" aria-label="Chat"></textarea>
<textarea id="notes" aria-label="Notes"></textarea>
<ul id="list" tabindex="0" aria-label="Results"><li>One</li><li>Two</li></ul>
<div data-reprise-mask><div id="masked" tabindex="0">Private area</div></div>
<select id="size"><option>S</option><option>M</option><option>L</option></select>
<script>
  window.hostErrors = [];
  addEventListener('error', (e) => hostErrors.push(String(e.message)));
  // A chat box sends on Enter: the app takes the key, no new line is typed.
  document.getElementById('chat').addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) e.preventDefault(); });
</script>`;

const keysOf = (rs: Received[]): { t: number; data: KeyData }[] =>
  rs
    .flatMap((r) => r.batch.events)
    .filter((e) => e.kind === 'custom' && (e.data as { type?: string }).type === 'key')
    .map((e) => ({ t: e.t, data: e.data as KeyData }));

async function sessionId(page: Page): Promise<string> {
  await page.waitForFunction(() => !!window.Reprise?.getSessionId(), undefined, { timeout: 10_000 });
  return (await page.evaluate(() => window.Reprise!.getSessionId()))!;
}

/** rrweb's id for the element with `id` in the session's first full snapshot. */
function snapshotIdOf(events: ReplayEvent[], id: string): number | undefined {
  type SNode = { id: number; attributes?: Record<string, unknown>; childNodes?: SNode[] };
  const full = events.find((e) => e.kind === 'dom' && (e.data as { type: number }).type === 2);
  const find = (n: SNode): number | undefined => {
    if (n.attributes?.id === id) return n.id;
    for (const c of n.childNodes ?? []) {
      const hit = find(c);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  return full ? find((full.data as { data: { node: SNode } }).data.node) : undefined;
}

let received: Received[] = [];
let keys: { t: number; data: KeyData }[] = [];
let hostErrors: string[] = [];

beforeAll(async () => {
  const { ingest, browser } = h;
  ingest.pages.set('/keys', html(sdkTag(), BODY));
  const page = await browser.newPage();
  await page.goto(`${ingest.base}/keys`);
  const sid = await sessionId(page);
  const k = page.keyboard;
  // A login form: typed characters, Tab to the password, editing keys in it, then Enter.
  await page.focus('#user');
  await k.type(USER);
  await k.press('Tab');
  await k.type(PASSWORD);
  for (const key of ['Control+a', 'ArrowLeft', 'Backspace', 'Home', 'Control+Enter']) await k.press(key);
  await k.type(PASSWORD.slice(-1));
  await k.press('Enter');
  // A search field: the autocomplete walked with ArrowDown; caret keys and editing shortcuts are not kept.
  await page.focus('#q');
  await k.type(QUERY);
  for (const key of ['ArrowLeft', 'Control+a', 'ArrowDown', 'Enter']) await k.press(key);
  // Textareas: a plain Enter types a new line unless the app takes it.
  await page.focus('#chat');
  await k.type(CHAT);
  await k.press('Enter');
  await page.focus('#notes');
  await k.type('x');
  await k.press('Enter');
  await k.press('Control+Enter');
  // A list: arrows, Delete and a shortcut count; a plain character and a held key's repeats do not.
  // At most 10 keys a second are kept: let the recorder's one-second window close first.
  await page.waitForTimeout(1100);
  await page.focus('#list');
  for (const key of ['ArrowDown', 'Delete', 'Control+k', 'x', 'Shift+A']) await k.press(key);
  await k.down('ArrowUp');
  await k.down('ArrowUp');
  await k.down('ArrowUp');
  await k.up('ArrowUp');
  // A masked region: no shortcuts, named keys only.
  await page.focus('#masked');
  await k.press('Control+k');
  await k.press('Escape');
  // A select: arrows change its value, which rrweb records.
  await page.focus('#size');
  await k.press('ArrowDown');
  await page.focus('#list');
  await k.press('Escape');
  await page.evaluate(() => window.Reprise!.flush());
  const deadline = Date.now() + 15_000;
  while (
    Date.now() < deadline &&
    !keysOf(ingest.forSession(sid)).some((x) => x.data.target.selector === '#list' && x.data.key === 'Escape')
  )
    await new Promise((r) => setTimeout(r, 50));
  received = ingest.forSession(sid);
  keys = keysOf(received);
  hostErrors = await page.evaluate(() => (window as unknown as { hostErrors: string[] }).hostErrors);
  await page.close();
}, 60_000);

describe('key capture', () => {
  it('keeps exactly the keys that matter, with their target and modifiers', () => {
    expect(keys.map(({ data }) => [data.target.selector, [...(data.mods ?? []), data.key].join('+')])).toEqual([
      ['#user', 'Tab'],
      ['#pw', 'Enter'],
      ['#q', 'ArrowDown'],
      ['#q', 'Enter'],
      ['#chat', 'Enter'],
      ['#notes', 'Control+Enter'],
      ['#list', 'ArrowDown'],
      ['#list', 'Delete'],
      ['#list', 'Control+k'],
      ['#list', 'ArrowUp'],
      ['#masked', 'Escape'],
      ['#list', 'Escape'],
    ]);
    expect(hostErrors).toEqual([]);
  });

  it('describes the target as a click does: label text, test id, type and rrweb node id', () => {
    const events = received.flatMap((r) => r.batch.events);
    const search = keys.find((x) => x.data.key === 'Enter' && x.data.target.selector === '#q')!.data;
    expect(search.target).toMatchObject({ tag: 'input', inputType: 'search', testId: 'search', text: 'Search' });
    expect(search.target.nodeId).toBe(snapshotIdOf(events, 'q'));
    expect(search.mods).toBeUndefined();
  });

  it("records the search field's value after the Enter that committed it", () => {
    const events = received.flatMap((r) => r.batch.events);
    const q = snapshotIdOf(events, 'q');
    const enter = keys.find((x) => x.data.key === 'Enter' && x.data.target.nodeId === q)!;
    const commits = events.filter((e) => {
      const d = e.data as { type?: number; data?: { source?: number; id?: number } };
      return e.kind === 'dom' && d.type === 3 && d.data?.source === 5 && d.data.id === q;
    });
    // rrweb samples inputs on change: Enter's change comes right after the key (the export reorders them).
    expect(commits.length).toBeGreaterThan(0);
    expect(commits[0]!.t).toBeGreaterThanOrEqual(enter.t);
  });

  it('never lets a typed character reach the upload: Enter in the password field is only "Enter"', () => {
    const pw = keys.filter((x) => x.data.target.selector === '#pw');
    expect(pw.map((x) => x.data)).toEqual([
      { type: 'key', key: 'Enter', target: expect.objectContaining({ tag: 'input', inputType: 'password', text: 'Password' }) },
    ]);
    expect(Object.keys(pw[0]!.data).sort()).toEqual(['key', 'target', 'type']);
    expect(
      Object.keys(pw[0]!.data.target).every((k) => ['selector', 'tag', 'interactive', 'x', 'y', 'text', 'inputType', 'nodeId'].includes(k)),
    ).toBe(true);
    const all = received.map((r) => r.text).join('\n');
    for (const secret of [PASSWORD, PASSWORD.slice(0, 6), USER, QUERY, CHAT]) expect(all, secret).not.toContain(secret);
    // No key event carries a printable character except the list's shortcut.
    expect(keys.filter((x) => x.data.key.length === 1).map((x) => x.data.key)).toEqual(['k']);
  });
});

describe('key capture: off switch', () => {
  it('records no key events with data-capture-keys="false", clicks still', async () => {
    const { ingest, browser } = h;
    ingest.pages.set('/keys-off', html(sdkTag({ 'data-capture-keys': 'false' }), '<button id="b">B</button><input id="f">'));
    const page = await browser.newPage();
    await page.goto(`${ingest.base}/keys-off`);
    const sid = await sessionId(page);
    await page.focus('#f');
    await page.keyboard.press('Enter');
    await page.click('#b');
    await page.evaluate(() => window.Reprise!.flush());
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !ingest.forSession(sid).some((r) => r.batch.events.some((e) => e.kind === 'click')))
      await new Promise((r) => setTimeout(r, 50));
    const rs = ingest.forSession(sid);
    expect(rs.some((r) => r.batch.events.some((e) => e.kind === 'click'))).toBe(true);
    expect(keysOf(rs)).toEqual([]);
    await page.close();
  }, 30_000);
});
