/**
 * A deterministic long recording (seeded) whose replay can be checked by content: every page
 * has a `#clock` element whose text changes every second to the session time (`page 3 · 27:41`),
 * so the frame at any moment has one known text. Around it, a shop-like DOM of ~`nodes` nodes and
 * the activity of a user: mouse moves, clicks, scrolls, typing into inputs, list items added and
 * removed, class changes; full page loads every few minutes; a checkout (Meta + full snapshot of
 * the current DOM, as rrweb's `checkoutEveryNms` does) every `checkoutEveryMs`; requests, console
 * lines and an occasional error. Every incremental event refers to nodes that exist at that time,
 * so rrweb replays it without warnings.
 */
import type { ReplayEvent } from '@reprise/protocol';
import { createRng, type Rng } from './rng.js';

export interface LongSessionOptions {
  seed: number;
  startTime: number;
  durationMs: number;
  /** The recorder's checkout interval. */
  checkoutEveryMs: number;
  /** The recorder's upload interval: one batch per this much event time. */
  batchEveryMs: number;
  /** Mean time between full page loads. */
  pageEveryMs: number;
  /** Serialized nodes per page. */
  nodes: number;
}

export interface LongSession {
  /** Events per batch (seq = index), each list covering `batchEveryMs` of event time. */
  batches: ReplayEvent[][];
  startTime: number;
  endTime: number;
  /** `#clock` text after every event before `t` (epoch ms) is applied, as a replay paused at `t` shows it. */
  clockAt(t: number): string;
  /** Console lines logged once a minute: `minute <n>` (n from 0). */
  minuteLines: number;
  /** Network requests recorded. */
  requests: number;
  pages: number;
  checkouts: number;
}

interface SNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Record<string, string>;
  childNodes?: SNode[];
  textContent?: string;
  name?: string;
  publicId?: string;
  systemId?: string;
}

const WORDS = (
  'ceramic mug tee notebook stickers hoodie keycap cotton recycled matte glossy blue green amber limited edition ' +
  'shipping returns warranty size small medium large colour stock delivery free review stars customer gift wrap'
).split(' ');

/** One loaded page: a serialized DOM kept current as incremental events change it. */
class Page {
  private nextId = 1;
  readonly root: SNode;
  readonly clockText: SNode;
  readonly list: SNode;
  readonly main: SNode;
  cards: SNode[] = [];
  readonly inputs: number[] = [];
  readonly all: number[] = [];

  constructor(
    private readonly rng: Rng,
    readonly no: number,
    nodes: number,
    clock: string,
  ) {
    const el = (tagName: string, attributes: Record<string, string>, childNodes: SNode[] = []): SNode =>
      this.node({ type: 2, tagName, attributes, childNodes });
    this.clockText = this.node({ type: 3, textContent: clock });
    this.list = el('ul', { id: 'activity', class: 'activity' });
    const main: SNode[] = [];
    let count = 20;
    while (count < nodes) {
      const card = this.card();
      main.push(card);
      count += countNodes(card);
    }
    for (let i = 0; i < 4; i++) {
      const input = el('input', { type: 'text', name: `field-${i}`, value: '' });
      this.inputs.push(input.id);
      main.push(el('label', { class: 'field' }, [this.text(2), input]));
    }
    const head = el('head', {}, [
      el('meta', { charset: 'utf-8' }),
      el('title', {}, [this.node({ type: 3, textContent: `Shop page ${no}` })]),
      el('style', {}, [
        this.node({
          type: 3,
          textContent:
            'body{font:14px sans-serif;margin:0}.card{display:inline-block;width:220px;margin:6px;padding:8px;border:1px solid #ddd}.card.hot{border-color:#e33}#clock{font:bold 28px monospace;padding:12px}',
        }),
      ]),
    ]);
    this.main = el('main', {}, main);
    const body = el('body', { class: `shop page-${no}` }, [
      el('header', {}, [el('div', { id: 'clock' }, [this.clockText])]),
      this.main,
      el('aside', {}, [this.list]),
    ]);
    // The document gets the last id here (rrweb gives it 1); the replayer only needs ids to be consistent.
    this.root = {
      type: 0,
      id: this.nextId++,
      childNodes: [{ type: 1, id: this.nextId++, name: 'html', publicId: '', systemId: '' }, el('html', { lang: 'en' }, [head, body])],
    };
  }

  /** A new node with the next id (also for nodes added later by mutations). */
  node(n: Omit<SNode, 'id'>): SNode {
    const out = { ...n, id: this.nextId++ } as SNode;
    this.all.push(out.id);
    return out;
  }

  text(words: number): SNode {
    const parts: string[] = [];
    for (let i = 0; i < words; i++) parts.push(this.rng.pick(WORDS));
    return this.node({ type: 3, textContent: parts.join(' ') });
  }

  card(): SNode {
    const kids: SNode[] = [];
    for (let i = 0, n = this.rng.int(3, 6); i < n; i++) {
      const tag = this.rng.pick(['p', 'span', 'a', 'button', 'h3', 'small']);
      kids.push(
        this.node({
          type: 2,
          tagName: tag,
          attributes: { class: `${tag}-${this.rng.pick(WORDS)}` },
          childNodes: [this.text(this.rng.int(1, 6))],
        }),
      );
    }
    const card = this.node({ type: 2, tagName: 'div', attributes: { class: 'card' }, childNodes: kids });
    this.cards.push(card);
    return card;
  }

  /** A snapshot of the DOM as it is now. */
  serialize(): SNode {
    return structuredClone(this.root);
  }

  get documentId(): number {
    return this.root.id;
  }
}

function countNodes(n: SNode): number {
  let c = 1;
  for (const k of n.childNodes ?? []) c += countNodes(k);
  return c;
}

/** rrweb mutation `adds` for a new subtree: parents before children, each node on its own (rrweb adds skip children). */
function addsFor(parentId: number, n: SNode, out: unknown[]): void {
  const { childNodes, ...rest } = n;
  out.push({ parentId, nextId: null, node: rest.type === 2 ? { ...rest, childNodes: [] } : rest });
  for (const k of childNodes ?? []) addsFor(n.id, k, out);
}

function removeIds(n: SNode, ids: Set<number>): void {
  ids.add(n.id);
  for (const k of n.childNodes ?? []) removeIds(k, ids);
}

function clockText(page: number, elapsedMs: number): string {
  const s = Math.floor(elapsedMs / 1000);
  return `page ${page} · ${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function generateLongSession(o: LongSessionOptions): LongSession {
  const rng = createRng(o.seed);
  const events: ReplayEvent[] = [];
  const clock: { t: number; text: string }[] = [];
  const dom = (t: number, type: number, data: unknown) => events.push({ t, kind: 'dom', data: { type, timestamp: t, data } });
  const end = o.startTime + o.durationMs;
  let page!: Page;
  let pages = 0;
  let checkouts = 0;
  let requests = 0;
  let scrollTop = 0;

  const snapshot = (t: number, href: string) => {
    dom(t, 4, { href, width: 1280, height: 800 });
    dom(t + 1, 2, { node: page.serialize(), initialOffset: { left: 0, top: scrollTop } });
    clock.push({ t: t + 1, text: page.clockText.textContent! });
  };
  const load = (t: number) => {
    pages++;
    scrollTop = 0;
    page = new Page(rng, pages, o.nodes, clockText(pages, t - o.startTime));
    const href = `https://shop.example/page-${pages}`;
    snapshot(t, href);
    events.push({ t: t + 2, kind: 'nav', data: { url: href, type: 'load' } });
  };

  load(o.startTime);
  let nextPage = o.startTime + Math.round(o.pageEveryMs * (0.5 + rng.next()));
  let nextCheckout = o.startTime + o.checkoutEveryMs;
  let nextMinute = o.startTime + 500;
  let nextRoute = o.startTime + 30_000;
  let minute = 0;
  // One step per second: the clock ticks (at +50 ms, never on a 100 ms scrub position), then the user does things.
  for (let sec = 1; o.startTime + sec * 1000 < end; sec++) {
    const t0 = o.startTime + sec * 1000;
    if (t0 >= nextPage) {
      load(t0 + 20);
      nextPage = t0 + Math.round(o.pageEveryMs * (0.5 + rng.next()));
      nextCheckout = t0 + o.checkoutEveryMs; // rrweb's checkout timer counts from the last full snapshot
      continue;
    }
    if (t0 >= nextCheckout) {
      checkouts++;
      snapshot(t0 + 20, `https://shop.example/page-${pages}`);
      nextCheckout += o.checkoutEveryMs;
    }
    const text = clockText(pages, t0 - o.startTime);
    page.clockText.textContent = text;
    dom(t0 + 50, 3, { source: 0, texts: [{ id: page.clockText.id, value: text }], attributes: [], removes: [], adds: [] });
    clock.push({ t: t0 + 50, text });
    if (t0 >= nextMinute) {
      events.push({ t: t0 + 60, kind: 'console', data: { level: 'log', args: [{ type: 'string', value: `minute ${minute}` }] } });
      minute++;
      nextMinute += 60_000;
    }
    activity(t0 + 100);
  }

  function activity(t: number): void {
    // Mouse movement most seconds, a few samples each (rrweb batches them every 500 ms).
    for (let k = 0; k < 4; k++) {
      if (rng.next() < 0.2) continue;
      const positions = [];
      for (let i = 0, n = rng.int(3, 8); i < n; i++)
        positions.push({ x: rng.int(0, 1280), y: rng.int(0, 800), id: rng.pick(page.all), timeOffset: -rng.int(0, 450) });
      dom(t + k * 220, 3, { source: 1, positions });
    }
    if (t >= nextRoute) {
      swapCards(t + 200);
      nextRoute = t + rng.int(30_000, 90_000);
    }
    const r = rng.next();
    const at = t + 300;
    if (r < 0.12) {
      const card = rng.pick(page.cards);
      dom(at, 3, { source: 2, type: 2, id: card.id, x: rng.int(0, 1280), y: rng.int(0, 800), pointerType: 0 });
      const hot = card.attributes!.class === 'card hot';
      card.attributes!.class = hot ? 'card' : 'card hot';
      dom(at + 5, 3, {
        source: 0,
        texts: [],
        attributes: [{ id: card.id, attributes: { class: card.attributes!.class } }],
        removes: [],
        adds: [],
      });
      requests++;
      const status = rng.next() < 0.05 ? 500 : 200;
      events.push({
        t: at + 120,
        kind: 'network',
        data: {
          id: `r${requests}`,
          initiator: 'fetch',
          method: 'POST',
          url: `https://shop.example/api/cart/${card.id}`,
          status,
          statusText: status === 200 ? 'OK' : 'Internal Server Error',
          requestHeaders: { 'content-type': 'application/json' },
          responseHeaders: { 'content-type': 'application/json' },
          requestBody: { kind: 'json', value: `{"item":${card.id},"qty":1}` },
          responseBody: { kind: 'json', value: `{"ok":${status === 200},"items":${rng.int(1, 9)}}` },
          startedAt: at + 10,
          durationMs: 110,
        },
      });
      if (status !== 200 && rng.next() < 0.5)
        events.push({
          t: at + 130,
          kind: 'error',
          data: {
            name: 'TypeError',
            message: `Cannot read properties of undefined (reading 'items')`,
            stack: 'at cart.js:42:7',
            origin: 'error',
          },
        });
    } else if (r < 0.3) {
      addEntry(at);
    } else if (r < 0.45) {
      scrollTop = Math.max(0, scrollTop + rng.int(-400, 600));
      dom(at, 3, { source: 3, id: page.documentId, x: 0, y: scrollTop });
    } else if (r < 0.55) {
      const id = rng.pick(page.inputs);
      dom(at, 3, { source: 5, text: '*'.repeat(rng.int(1, 12)), isChecked: false, id, userTriggered: true });
    }
  }

  /** An in-app navigation: a third of the cards replaced by new ones (one big mutation). */
  function swapCards(t: number): void {
    const n = Math.max(1, Math.floor(page.cards.length / 3));
    const old = page.cards.slice(0, n);
    const gone = new Set<number>();
    const removes = old.map((c) => {
      removeIds(c, gone);
      return { parentId: page.main.id, id: c.id };
    });
    page.main.childNodes = page.main.childNodes!.filter((c) => !gone.has(c.id));
    page.cards = page.cards.slice(n);
    page.all.splice(0, page.all.length, ...page.all.filter((id) => !gone.has(id)));
    const adds: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const card = page.card();
      page.main.childNodes.push(card);
      addsFor(page.main.id, card, adds);
    }
    dom(t, 3, { source: 0, texts: [], attributes: [], removes, adds });
    events.push({
      t: t + 1,
      kind: 'nav',
      data: { url: `https://shop.example/page-${pages}/view-${Math.floor(t / 1000) % 997}`, type: 'pushState' },
    });
  }

  /** An activity entry: a small subtree added, the oldest removed once there are a few. */
  function addEntry(t: number): void {
    const item = page.node({ type: 2, tagName: 'li', attributes: { class: 'entry' }, childNodes: [] });
    item.childNodes!.push(
      page.node({ type: 2, tagName: 'strong', attributes: {}, childNodes: [page.node({ type: 3, textContent: rng.pick(WORDS) })] }),
    );
    item.childNodes!.push(page.node({ type: 3, textContent: ` ${rng.pick(WORDS)} ${rng.pick(WORDS)} added` }));
    const adds: unknown[] = [];
    addsFor(page.list.id, item, adds);
    const removes: unknown[] = [];
    const kids = page.list.childNodes!;
    kids.push(item);
    if (kids.length > 6) {
      const old = kids.shift()!;
      const gone = new Set<number>();
      removeIds(old, gone);
      removes.push({ parentId: page.list.id, id: old.id });
      page.all.splice(0, page.all.length, ...page.all.filter((id) => !gone.has(id)));
    }
    dom(t, 3, { source: 0, texts: [], attributes: [], removes, adds });
  }

  events.sort((a, b) => a.t - b.t);
  const batches: ReplayEvent[][] = [];
  for (const e of events) {
    const i = Math.floor((e.t - o.startTime) / o.batchEveryMs);
    (batches[i] ??= []).push(e);
  }
  const lastT = events[events.length - 1]!.t;
  return {
    batches: Array.from(batches, (b) => b ?? []).filter((b) => b.length > 0),
    startTime: o.startTime,
    endTime: lastT,
    clockAt(t: number): string {
      let lo = 0;
      let hi = clock.length - 1;
      let found = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (clock[mid]!.t < t) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return clock[found]!.text;
    },
    minuteLines: minute,
    requests,
    pages,
    checkouts,
  };
}
