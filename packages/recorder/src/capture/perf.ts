/**
 * Web vitals and long tasks via PerformanceObserver. Each observer is optional:
 * an unsupported entry type is skipped. LCP, CLS and INP are reported when the
 * page is hidden (the recorder calls flush() from its hide handler) and LCP also
 * at the first input, like the web-vitals library.
 */
import type { ReplayEvent, VitalData } from '@reprise/protocol';
import type { CaptureContext, Stop } from './context.js';
import { shortSelector } from './dom-value.js';

const LONGTASK_MS = 50;
const MAX_LONGTASKS = 500;

type Entry = PerformanceEntry & Record<string, unknown>;
type Observe = (type: string, cb: (entries: Entry[]) => void, extra?: Record<string, unknown>) => void;
type PushVital = (name: VitalData['name'], value: number, detail?: string, t?: number) => void;

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function selectorOf(node: unknown): string | undefined {
  try {
    return typeof Element !== 'undefined' && node instanceof Element ? shortSelector(node) : undefined;
  } catch {
    return undefined;
  }
}

export interface PerfCapture {
  stop: Stop;
  /**
   * Reports LCP / CLS / INP as they stand. Called by the recorder when the page is
   * hidden, right before the transport's hide flush, so the values go out with it.
   */
  flush(): void;
}

/**
 * `inputAt`: when the page's first input came before this started (the script-tag build loads
 * this module lazily); LCP is then reported at once, stamped with that time. `since`: when
 * recording started, the earliest time a buffered entry is stamped with.
 */
export function startPerfCapture(ctx: CaptureContext, inputAt?: number, since = Date.now()): PerfCapture {
  if (typeof PerformanceObserver === 'undefined') return { stop() {}, flush() {} };
  const observers: Array<{ po: PerformanceObserver; cb: (entries: Entry[]) => void }> = [];
  const push: PushVital = (name, value, detail, t = Date.now()) => {
    const data: VitalData = { name, value: round(value, name === 'CLS' ? 4 : 1) };
    if (detail) data.detail = detail.slice(0, 300);
    const event: ReplayEvent<'vital', VitalData> = { t, kind: 'vital', data };
    ctx.sink.push(event);
  };
  const observe: Observe = (type, cb, extra = {}) => {
    try {
      const po = new PerformanceObserver(ctx.guard.wrap((list: PerformanceObserverEntryList) => cb(list.getEntries() as Entry[])));
      po.observe({ type, buffered: true, ...extra } as PerformanceObserverInit);
      observers.push({ po, cb });
    } catch {
      /* entry type not supported here */
    }
  };

  // TTFB from the navigation entry.
  ctx.guard.run(() => {
    const nav = performance.getEntriesByType?.('navigation')?.[0] as PerformanceNavigationTiming | undefined;
    if (nav && nav.responseStart > 0) push('TTFB', nav.responseStart);
  });
  watchFcp(observe, push);
  const reportLcp = watchLcp(observe, push);
  const cls = watchCls(observe);
  const inp = watchInp(observe);
  watchLongtasks(observe, push, since);

  let clsReported = -1;
  let inpReported = -1;
  const takePending = (): void => {
    for (const { po, cb } of observers) {
      // Entries queued but not yet delivered to the callback count too.
      ctx.guard.run(() => {
        const pending = po.takeRecords?.();
        if (pending && pending.length) cb(pending as Entry[]);
      });
    }
  };
  const flushVitals = (): void => {
    takePending();
    reportLcp();
    const c = cls();
    if (c !== clsReported) {
      clsReported = c;
      push('CLS', c);
    }
    const i = inp();
    if (i.value > 0 && i.value !== inpReported) {
      inpReported = i.value;
      push('INP', i.value, i.detail);
    }
  };
  const onInput = ctx.guard.wrap(() => reportLcp());
  const inputOpts: AddEventListenerOptions = { capture: true, passive: true, once: true };
  if (inputAt === undefined) {
    window.addEventListener('keydown', onInput, inputOpts);
    window.addEventListener('pointerdown', onInput, inputOpts);
  } else {
    // The buffered entries are in the observers' queues already (observe() put them there).
    takePending();
    ctx.guard.run(() => reportLcp(inputAt));
  }

  return {
    flush: () => ctx.guard.run(flushVitals),
    stop() {
      for (const { po } of observers.splice(0)) {
        try {
          po.disconnect();
        } catch {
          /* ignore */
        }
      }
      window.removeEventListener('keydown', onInput, inputOpts);
      window.removeEventListener('pointerdown', onInput, inputOpts);
    },
  };
}

function watchFcp(observe: Observe, push: PushVital): void {
  let fcpSent = false;
  observe('paint', (entries) => {
    for (const e of entries) {
      if (e.name === 'first-contentful-paint' && !fcpSent) {
        fcpSent = true;
        push('FCP', e.startTime);
      }
    }
  });
}

/** Returns the report: LCP as it stands, once (at the first input or when the page is hidden). */
function watchLcp(observe: Observe, push: PushVital): (t?: number) => void {
  let lcp: { value: number; detail?: string } | null = null;
  let lcpDone = false;
  observe('largest-contentful-paint', (entries) => {
    if (lcpDone) return;
    const e = entries[entries.length - 1];
    if (e) lcp = { value: e.startTime, detail: selectorOf(e.element) ?? (typeof e.url === 'string' ? e.url : undefined) };
  });
  return (t) => {
    if (lcpDone || !lcp) return;
    lcpDone = true;
    push('LCP', lcp.value, lcp.detail, t);
  };
}

/** CLS: largest session window (shifts < 1 s apart, window ≤ 5 s), ignoring shifts after input. */
function watchCls(observe: Observe): () => number {
  let cls = 0;
  let win = 0;
  let winStart = 0;
  let winLast = 0;
  observe('layout-shift', (entries) => {
    for (const e of entries) {
      if (e.hadRecentInput) continue;
      const v = typeof e.value === 'number' ? e.value : 0;
      if (win > 0 && e.startTime - winLast < 1000 && e.startTime - winStart < 5000) win += v;
      else {
        win = v;
        winStart = e.startTime;
      }
      winLast = e.startTime;
      if (win > cls) cls = win;
    }
  });
  return () => cls;
}

/** INP (approximate): longest interaction seen. */
function watchInp(observe: Observe): () => { value: number; detail: string | undefined } {
  let inp = 0;
  let inpDetail: string | undefined;
  observe(
    'event',
    (entries) => {
      for (const e of entries) {
        if (!e.interactionId) continue;
        if (e.duration > inp) {
          inp = e.duration;
          inpDetail = `${e.name}${selectorOf(e.target) ? ` ${selectorOf(e.target)}` : ''}`;
        }
      }
    },
    { durationThreshold: 40 },
  );
  return () => ({ value: inp, detail: inpDetail });
}

/** `since`: when this capture started; a long task from before (the page's load, buffered) is stamped then. */
function watchLongtasks(observe: Observe, push: PushVital, since: number): void {
  let longtasks = 0;
  observe('longtask', (entries) => {
    for (const e of entries) {
      if (e.duration < LONGTASK_MS || longtasks >= MAX_LONGTASKS) continue;
      longtasks++;
      const attr = Array.isArray(e.attribution) ? (e.attribution[0] as Record<string, unknown> | undefined) : undefined;
      const detail = attr && typeof attr.containerType === 'string' ? `${e.name} ${attr.containerType}` : e.name;
      // At the time the task started, not when the observer reported it (later, and for several
      // tasks at once: two of the same length were the same event); never before the recording.
      push('longtask', e.duration, detail, Math.max(since, Math.round(performance.timeOrigin + e.startTime)));
    }
  });
}
