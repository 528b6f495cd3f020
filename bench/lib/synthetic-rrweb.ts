import type { Batch, ReplayEvent, RrwebEvent } from '@reprise/protocol';
import { createRng, type Rng } from '../../test-support/rng.js';

/**
 * Deterministic rrweb-shaped events for the ingest benchmark: a type 4 meta and
 * a type 2 full snapshot of a shop-like page (~2000 serialized nodes), then
 * type 3 incremental events (mutations, mouse moves, clicks, scrolls, inputs)
 * in 5 s batches, the way a recorder uploads them.
 */

interface SerializedNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Record<string, string>;
  childNodes?: SerializedNode[];
  textContent?: string;
  name?: string;
  publicId?: string;
  systemId?: string;
}

const WORDS = (
  'ceramic mug tee notebook stickers hoodie keycap cotton recycled matte glossy blue green amber ' +
  'limited edition shipping returns warranty size small medium large colour stock delivery free ' +
  'review stars customer ordered gift wrap secure checkout basket total price discount coupon'
).split(' ');

const TAGS = ['div', 'span', 'p', 'a', 'li', 'button', 'h3', 'em', 'strong', 'small'];

class Builder {
  nextId = 1;
  count = 0;
  constructor(readonly rng: Rng) {}

  text(words: number): SerializedNode {
    const parts: string[] = [];
    for (let i = 0; i < words; i++) parts.push(this.rng.pick(WORDS));
    if (this.rng.chance(0.3)) parts.push(`$${this.rng.int(1, 199)}.${this.rng.int(10, 99)}`);
    this.count++;
    return { type: 3, id: this.nextId++, textContent: parts.join(' ') };
  }

  el(tagName: string, attributes: Record<string, string>, childNodes: SerializedNode[] = []): SerializedNode {
    this.count++;
    return { type: 2, id: this.nextId++, tagName, attributes, childNodes };
  }

  /** A product-card-like subtree of a few dozen nodes. */
  card(depth: number): SerializedNode {
    const kids: SerializedNode[] = [];
    const n = this.rng.int(2, 5);
    for (let i = 0; i < n; i++) {
      if (depth > 0 && this.rng.chance(0.5)) kids.push(this.card(depth - 1));
      else {
        const tag = this.rng.pick(TAGS);
        const attrs: Record<string, string> = { class: `${tag}-${this.rng.pick(WORDS)} c${this.rng.int(1, 400)}` };
        if (tag === 'a') attrs.href = `/demo/product/${this.rng.pick(WORDS)}-${this.rng.int(1, 9999)}`;
        if (tag === 'button') attrs['data-testid'] = `add-to-cart-${this.rng.pick(WORDS)}`;
        kids.push(this.el(tag, attrs, [this.text(this.rng.int(1, 8))]));
      }
    }
    return this.el('div', { class: `card card-${this.rng.int(1, 60)}`, style: `--hue: ${this.rng.int(0, 359)}` }, kids);
  }
}

function fullSnapshot(b: Builder, targetNodes: number): SerializedNode {
  const bodyKids: SerializedNode[] = [];
  while (b.count < targetNodes) bodyKids.push(b.card(3));
  const head = b.el('head', {}, [
    b.el('meta', { charset: 'utf-8' }),
    b.el('title', {}, [b.text(3)]),
    b.el('link', { rel: 'stylesheet', href: '/demo/assets/shop.css' }),
  ]);
  const html = b.el('html', { lang: 'en' }, [head, b.el('body', { class: 'shop' }, bodyKids)]);
  return { type: 0, id: b.nextId++, childNodes: [{ type: 1, id: b.nextId++, name: 'html', publicId: '', systemId: '' }, html] };
}

function incremental(b: Builder, t0: number, spanMs: number): RrwebEvent[] {
  const rng = b.rng;
  const out: RrwebEvent[] = [];
  const maxId = b.nextId - 1;
  const steps = rng.int(60, 120);
  for (let i = 0; i < steps; i++) {
    const timestamp = t0 + Math.round((i / steps) * spanMs);
    const r = rng.next();
    let data: unknown;
    if (r < 0.55) {
      const positions = [];
      for (let k = 0, n = rng.int(3, 10); k < n; k++) {
        positions.push({ x: rng.int(0, 1280), y: rng.int(0, 900), id: rng.int(1, maxId), timeOffset: -rng.int(0, 500) });
      }
      data = { source: 1, positions };
    } else if (r < 0.7) {
      data = { source: 2, type: rng.pick([0, 1, 2, 5, 6]), id: rng.int(1, maxId), x: rng.int(0, 1280), y: rng.int(0, 900), pointerType: 0 };
    } else if (r < 0.8) {
      data = { source: 3, id: 1, x: 0, y: rng.int(0, 4000) };
    } else if (r < 0.88) {
      data = { source: 5, text: '*'.repeat(rng.int(1, 24)), isChecked: false, id: rng.int(1, maxId) };
    } else {
      const adds = [];
      for (let k = 0, n = rng.int(1, 4); k < n; k++) adds.push({ parentId: rng.int(1, maxId), nextId: null, node: b.card(1) });
      data = {
        source: 0,
        texts: [{ id: rng.int(1, maxId), value: b.text(3).textContent }],
        attributes: [{ id: rng.int(1, maxId), attributes: { class: `qty q${rng.int(1, 99)}` } }],
        removes: [{ parentId: rng.int(1, maxId), id: rng.int(1, maxId) }],
        adds,
      };
    }
    out.push({ type: 3, timestamp, data });
  }
  return out;
}

export interface SyntheticOptions {
  seed: number;
  /** How many 5 s batches. */
  batches: number;
  /** A new page (meta + full snapshot) every this many batches. */
  pageEvery: number;
  snapshotNodes: number;
  startTime: number;
}

/** Events per batch, each list covering 5 s of event time. */
export function syntheticEventBatches(opts: SyntheticOptions): ReplayEvent[][] {
  const rng = createRng(opts.seed);
  let b = new Builder(rng);
  const out: ReplayEvent[][] = [];
  for (let i = 0; i < opts.batches; i++) {
    const t0 = opts.startTime + i * 5000;
    const raw: RrwebEvent[] = [];
    if (i % opts.pageEvery === 0) {
      b = new Builder(rng);
      raw.push({ type: 4, timestamp: t0, data: { href: `http://localhost/demo/page-${i}`, width: 1280, height: 900 } });
      raw.push({ type: 2, timestamp: t0 + 1, data: { node: fullSnapshot(b, opts.snapshotNodes), initialOffset: { left: 0, top: 0 } } });
      raw.push(...incremental(b, t0 + 2, 4990));
    } else {
      raw.push(...incremental(b, t0, 5000));
    }
    out.push(raw.map((data) => ({ t: data.timestamp, kind: 'dom', data })));
  }
  return out;
}

export function toBatch(sessionId: string, seq: number, events: ReplayEvent[]): Batch {
  return { v: 1, sessionId, seq, events, meta: { url: 'http://localhost/demo/', sdk: 'bench-synthetic' } };
}
