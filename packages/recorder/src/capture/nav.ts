/** Navigation inside the page: load, history.pushState / replaceState, popstate, hashchange. */
import type { NavData, ReplayEvent } from '@reprise/protocol';
import type { CaptureContext, Stop } from './context.js';
import { patchMethod, type Patched } from './patch.js';
import { createRedactor } from './privacy.js';

export interface NavCapture {
  stop: Stop;
  /** Emits a `load` nav event (called at start and when a new session begins on this page). */
  emitLoad(): void;
}

export function startNavCapture(ctx: CaptureContext): NavCapture {
  // URLs go through the same query redaction as network URLs (tokens in ?access_token=…).
  const redactor = createRedactor(ctx.opts.redactKeys, []);
  let current = location.href;
  const push = (type: NavData['type'], from?: string): void => {
    const url = location.href;
    const data: NavData = { type, url: redactor.url(url) };
    if (from !== undefined) data.from = redactor.url(from);
    current = url;
    const event: ReplayEvent<'nav', NavData> = { t: Date.now(), kind: 'nav', data };
    ctx.sink.push(event);
  };

  const patches: Array<Patched<unknown> | null> = [];
  for (const method of ['pushState', 'replaceState'] as const) {
    patches.push(
      patchMethod(
        history,
        method,
        (original, isActive) =>
          function (this: History, ...args: Parameters<History['pushState']>) {
            const from = current;
            const result = original.apply(this, args);
            if (isActive()) ctx.guard.run(() => push(method, from));
            return result;
          },
      ) as Patched<unknown> | null,
    );
  }
  const onPop = ctx.guard.wrap(() => push('popstate', current));
  const onHash = ctx.guard.wrap((e: HashChangeEvent) => push('hashchange', typeof e.oldURL === 'string' ? e.oldURL : current));
  window.addEventListener('popstate', onPop);
  window.addEventListener('hashchange', onHash);

  const emitLoad = (): void => {
    ctx.guard.run(() => {
      const data: NavData = { type: 'load', url: redactor.url(location.href) };
      current = location.href;
      ctx.sink.push({ t: Date.now(), kind: 'nav', data });
    });
  };
  emitLoad();
  return {
    emitLoad,
    stop() {
      for (const p of patches.splice(0)) if (p) ctx.guard.run(() => p.restore());
      window.removeEventListener('popstate', onPop);
      window.removeEventListener('hashchange', onHash);
    },
  };
}
