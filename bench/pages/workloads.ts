/**
 * In-page side of the recorder overhead benchmark (bench/recorder.ts): bundled to an IIFE
 * by esbuild and loaded by the workload page before any recorder. `setup` builds what
 * exists before recording starts (it is in the initial snapshot); `run` is the measured
 * DOM work. Each step of `run` ends with a macrotask, so the recorders' MutationObserver
 * callbacks (microtasks) have processed it before the next step starts.
 */

export type WorkloadName = 'nested' | 'addMove' | 'attributes' | 'snapshot';

export interface BenchPage {
  /** Builds the pre-existing DOM; returns the number of nodes (elements + text) in the body. */
  setup(name: WorkloadName, size: number): number;
  /** The measured DOM work; resolves with the number of DOM operations done. */
  run(name: WorkloadName, size: number): Promise<number>;
}

declare global {
  interface Window {
    __bench: BenchPage;
  }
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function el(tag: string, cls: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function container(id: string): HTMLElement {
  const c = el('div', 'bench-container');
  c.id = id;
  document.body.appendChild(c);
  return c;
}

function countNodes(root: Node): number {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  let n = 0;
  while (walker.nextNode()) n++;
  return n;
}

/**
 * A page shaped like a long data view: sections of rows, each row a few cells with text,
 * classes, data attributes and links, until `size` nodes (elements + text) exist.
 */
function buildLargePage(size: number): void {
  const root = container('large');
  let nodes = 1;
  let row = 0;
  let section: HTMLElement | null = null;
  while (nodes < size) {
    if (row % 50 === 0) {
      section = el('section', 'group');
      section.appendChild(el('h2', 'group-title', `Group ${row / 50 + 1}`));
      root.appendChild(section);
      nodes += 3;
    }
    const r = el('div', row % 2 ? 'row odd' : 'row');
    r.setAttribute('data-row', String(row));
    r.appendChild(el('span', 'cell id', `#${row}`));
    r.appendChild(el('span', 'cell name', `Item number ${row} with a description`));
    const a = el('a', 'cell link', 'open');
    a.setAttribute('href', `#item-${row}`);
    r.appendChild(a);
    r.appendChild(el('span', 'cell price', `${(row * 1.37).toFixed(2)} EUR`));
    section!.appendChild(r);
    nodes += 9;
    row++;
  }
}

const bench: BenchPage = {
  setup(name, size) {
    if (name === 'snapshot') buildLargePage(size);
    else if (name === 'attributes') {
      // size/10 elements, each changed 10 times (10 tasks) in run().
      const c = container('attrs');
      for (let i = 0; i < Math.max(1, Math.round(size / 10)); i++) c.appendChild(el('div', 'item', `item ${i}`));
    } else if (name === 'addMove') {
      container('from');
      container('to');
    } else container('nested');
    return countNodes(document.body);
  },

  async run(name, size) {
    // Console capture is part of both recorders: one message per workload.
    console.log('workload start', { name, size });
    let ops = 0;
    if (name === 'nested') {
      // `size` elements, each inside the previous one, added in one go.
      const top = el('div', 'nest', 'level 0');
      let cur = top;
      for (let i = 1; i < size; i++) {
        const child = el('div', 'nest', `level ${i}`);
        cur.appendChild(child);
        cur = child;
      }
      document.getElementById('nested')!.appendChild(top);
      ops = size;
      await nextTask();
    } else if (name === 'addMove') {
      const from = document.getElementById('from')!;
      const to = document.getElementById('to')!;
      for (let i = 0; i < size; i++) from.appendChild(el('div', 'moved', `node ${i}`));
      await nextTask();
      // Moved one by one, in reverse order, into the other container.
      while (from.lastChild) to.appendChild(from.lastChild);
      ops = 2 * size;
      await nextTask();
    } else if (name === 'attributes') {
      const items = Array.from(document.getElementById('attrs')!.children);
      const rounds = Math.max(1, Math.round(size / items.length));
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < items.length; i++) items[i]!.setAttribute('data-state', `s${r}-${i}`);
        ops += items.length;
        await nextTask();
      }
    }
    // 'snapshot': nothing to do, the measured work is the recorder's initial snapshot.
    await nextTask();
    return ops;
  },
};

window.__bench = bench;
