/**
 * Starts the enabled devtools capture modules (console, network, errors, nav, env,
 * perf, clicks, keys). Each starts and stops independently: one failing leaves the others running.
 * env and perf come through late-loader.ts: in the script-tag build they arrive as a lazy chunk
 * shortly after the others start (startLate below), and if it can't be had the others run alone.
 * Network capture patches at once and gets its records code the same way (network/records-loader.ts).
 */
import { startClickCapture } from './clicks.js';
import { startConsoleCapture } from './console.js';
import type { CaptureContext, Stop } from './context.js';
import type { EnvCapture } from './env.js';
import { runWaiting } from './describe-later.js';
import { startErrorCapture } from './errors.js';
import { floodGate } from './flood.js';
import { startKeyCapture } from './keys.js';
import { loadLateCapture, loadedLateCapture, type LateCapture } from './late-loader.js';
import { startNavCapture, type NavCapture } from './nav.js';
import { startNetworkCapture, type NetworkCapture } from './network/index.js';
import type { PerfCapture } from './perf.js';

export type { CaptureContext } from './context.js';

export interface Captures {
  stop(): void;
  /** A new session started on this page: emit the per-session events (nav load, env) again. */
  onNewSession(): void;
  /** An upload is asked for: report what the flood gates left out so far, not a second later. */
  onFlush(): void;
  /** The page is being hidden: report pending values (requests, vitals, flood counts) before the transport flushes. */
  onHide(): void;
}

export function startCaptures(ctx: CaptureContext): Captures {
  const on = ctx.opts.capture;
  const stops: Stop[] = [];
  const add = (stop: Stop | undefined): void => {
    if (stop) stops.push(stop);
  };
  let env: EnvCapture | undefined;
  let nav: NavCapture | undefined;
  let perf: PerfCapture | undefined;
  let net: NetworkCapture | undefined;
  let stopped = false;
  let hidden = false;
  // Buffered entries (long tasks) from before the chunk arrived are stamped back to here, not later.
  const startedAt = Date.now();
  const late = (m: LateCapture | null): void => {
    if (!m || stopped) return;
    runWaiting(m);
    if (on.env) {
      env = ctx.guard.run(() => m.startEnvCapture(ctx));
      add(env?.stop);
    }
    if (on.perf) {
      perf = ctx.guard.run(() => m.startPerfCapture(ctx, firstInput.at, startedAt));
      add(perf?.stop);
      // The page was hidden while the chunk loaded: what would have gone out then goes now.
      if (hidden) ctx.guard.run(() => perf?.flush());
    }
    firstInput.stop();
  };
  const firstInput = on.perf ? watchFirstInput() : { at: undefined, stop() {} };
  if (on.env || on.perf) {
    const m = loadedLateCapture();
    if (m) late(m);
    else
      void loadLateCapture().then((m) => {
        ctx.guard.run(() => late(m));
        firstInput.stop();
      });
  }
  if (on.nav) {
    nav = ctx.guard.run(() => startNavCapture(ctx));
    add(nav?.stop);
  }
  const errorGate = floodGate(ctx, 'error-flood');
  const consoleGate = floodGate(ctx, 'console-flood');
  const reportFloods = (): void => {
    ctx.guard.run(errorGate.report);
    ctx.guard.run(consoleGate.report);
  };
  const errors = on.errors ? ctx.guard.run(() => startErrorCapture(ctx, errorGate)) : undefined;
  add(errors?.stop);
  if (on.console) add(ctx.guard.run(() => startConsoleCapture(ctx, consoleGate, errors?.logged)));
  if (on.network) {
    net = ctx.guard.run(() => startNetworkCapture(ctx));
    add(net?.stop);
  }
  if (on.clicks) add(ctx.guard.run(() => startClickCapture(ctx)));
  if (on.keys) add(ctx.guard.run(() => startKeyCapture(ctx)));
  return {
    stop() {
      stopped = true;
      firstInput.stop();
      for (const s of stops.splice(0).reverse()) ctx.guard.run(s);
    },
    onNewSession() {
      if (env) ctx.guard.run(() => env!.emit());
      if (nav) ctx.guard.run(() => nav!.emitLoad());
    },
    onFlush: reportFloods,
    onHide() {
      hidden = true;
      if (net) ctx.guard.run(() => net!.onHide());
      reportFloods();
      if (perf) ctx.guard.run(() => perf!.flush());
    },
  };
}

/** When the first keydown or pointerdown came (perf reports LCP then), until perf starts. */
function watchFirstInput(): { at: number | undefined; stop(): void } {
  const opts: AddEventListenerOptions = { capture: true, passive: true };
  const w = {
    at: undefined as number | undefined,
    stop() {
      removeEventListener('keydown', onInput, opts);
      removeEventListener('pointerdown', onInput, opts);
    },
  };
  const onInput = (): void => {
    w.at ??= Date.now();
    w.stop();
  };
  addEventListener('keydown', onInput, opts);
  addEventListener('pointerdown', onInput, opts);
  return w;
}
