/**
 * Starts the enabled devtools capture modules (console, network, errors, nav, env,
 * perf, clicks, keys). Each starts and stops independently: one failing leaves the others running.
 */
import { startClickCapture } from './clicks.js';
import { startConsoleCapture } from './console.js';
import type { CaptureContext, Stop } from './context.js';
import { startEnvCapture, type EnvCapture } from './env.js';
import { startErrorCapture } from './errors.js';
import { startKeyCapture } from './keys.js';
import { startNavCapture, type NavCapture } from './nav.js';
import { startNetworkCapture } from './network/index.js';
import { startPerfCapture, type PerfCapture } from './perf.js';

export type { CaptureContext } from './context.js';

export interface Captures {
  stop(): void;
  /** A new session started on this page: emit the per-session events (nav load, env) again. */
  onNewSession(): void;
  /** The page is being hidden: report pending values (vitals) before the transport flushes. */
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
  if (on.env) {
    env = ctx.guard.run(() => startEnvCapture(ctx));
    add(env?.stop);
  }
  if (on.nav) {
    nav = ctx.guard.run(() => startNavCapture(ctx));
    add(nav?.stop);
  }
  if (on.errors) add(ctx.guard.run(() => startErrorCapture(ctx)));
  if (on.console) add(ctx.guard.run(() => startConsoleCapture(ctx)));
  if (on.network) add(ctx.guard.run(() => startNetworkCapture(ctx)));
  if (on.clicks) add(ctx.guard.run(() => startClickCapture(ctx)));
  if (on.keys) add(ctx.guard.run(() => startKeyCapture(ctx)));
  let perf: PerfCapture | undefined;
  if (on.perf) {
    perf = ctx.guard.run(() => startPerfCapture(ctx));
    add(perf?.stop);
  }
  return {
    stop() {
      for (const s of stops.splice(0).reverse()) ctx.guard.run(s);
    },
    onNewSession() {
      if (env) ctx.guard.run(() => env!.emit());
      if (nav) ctx.guard.run(() => nav!.emitLoad());
    },
    onHide() {
      if (perf) ctx.guard.run(() => perf!.flush());
    },
  };
}
