/**
 * Console capture: every method is wrapped; the page's original is always called
 * first with the original `this` and arguments, then the call is recorded. Its time, stack and
 * labels are taken at the call; its arguments are serialized by the capture chunk
 * (describe-later.ts): at once when it is there, else when it arrives.
 */
import type { ConsoleData, ConsoleLevel, ReplayEvent } from '@reprise/protocol';
import { trimStack, type CaptureContext, type Stop } from './context.js';
import type { FloodGate } from './flood.js';
import { patchMethod, type Patched } from './patch.js';
import { withLateCapture } from './describe-later.js';
import { createRedactor } from './privacy.js';
import type { SerializeRedaction } from './serialize.js';

const LEVELS: readonly ConsoleLevel[] = [
  'log',
  'info',
  'warn',
  'error',
  'debug',
  'trace',
  'table',
  'assert',
  'dir',
  'dirxml',
  'count',
  'countReset',
  'group',
  'groupCollapsed',
  'groupEnd',
  'time',
  'timeEnd',
  'timeLog',
  'clear',
];
const WITH_STACK = new Set<ConsoleLevel>(['error', 'warn', 'trace', 'assert']);
const MAX_LABELS = 1000;

/** True while the recorder itself is recording: console calls made then (getters, our own logs) are not recorded. */
let busy = false;

function label(args: unknown[]): string {
  try {
    return args.length === 0 || args[0] === undefined ? 'default' : String(args[0]).slice(0, 200);
  } catch {
    return 'default';
  }
}

/**
 * `errorLogged` gets the arguments of each console.error call (errors.ts records an Error among
 * them as an error too); undefined when error capture is off.
 */
export function startConsoleCapture(ctx: CaptureContext, gate: FloodGate, errorLogged?: (args: unknown[]) => void): Stop {
  if (typeof console === 'undefined' || !console) return () => {};
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();
  const patches: Patched<unknown>[] = [];
  // The body key rules apply to console arguments too: `console.log({ password })` keeps the key only.
  const redactor = createRedactor(ctx.opts.redactKeys, []);
  const redact: SerializeRedaction = { key: redactor.isSensitiveKey, text: (s) => redactor.text(s) };

  /** Turns a call into the recorded arguments; null means "don't record". */
  const argsFor = (level: ConsoleLevel, args: unknown[]): unknown[] | null => {
    switch (level) {
      case 'assert':
        return args[0] ? null : args.slice(1);
      case 'count': {
        const l = label(args);
        const n = (counts.get(l) ?? 0) + 1;
        if (counts.size < MAX_LABELS || counts.has(l)) counts.set(l, n);
        return [`${l}: ${n}`];
      }
      case 'countReset': {
        const l = label(args);
        counts.delete(l);
        return [l];
      }
      case 'time': {
        const l = label(args);
        if (timers.size < MAX_LABELS) timers.set(l, performance.now());
        return [l];
      }
      case 'timeEnd':
      case 'timeLog': {
        const l = label(args);
        const start = timers.get(l);
        if (level === 'timeEnd') timers.delete(l);
        const head = start === undefined ? `${l}: no such timer` : `${l}: ${Math.round((performance.now() - start) * 1000) / 1000} ms`;
        return level === 'timeLog' ? [head, ...args.slice(1)] : [head];
      }
      default:
        return args;
    }
  };

  for (const level of LEVELS) {
    const p = patchMethod(
      console as unknown as Record<string, (...a: unknown[]) => unknown>,
      level,
      (original, isActive) =>
        function (this: unknown, ...args: unknown[]): unknown {
          // Created here so the recorder's frames are exactly this wrapper (skipped below).
          const err = WITH_STACK.has(level) && isActive() && !busy ? new Error() : null;
          const result = original.apply(this, args);
          if (!isActive() || busy) return result;
          busy = true;
          try {
            if (level === 'error') errorLogged?.(args);
            const recorded = argsFor(level, args);
            if (recorded && gate.allow()) {
              const t = Date.now();
              const stack = err ? trimStack(err.stack, 1) : undefined;
              const queued = withLateCapture(ctx.guard, (m) => {
                // Serializing may run the page's getters (which may log): not recorded either.
                const was = busy;
                busy = true;
                try {
                  const data: ConsoleData = { level, args: m.serializeArgs(recorded, {}, redact) };
                  if (stack) data.stack = stack;
                  const event: ReplayEvent<'console', ConsoleData> = { t, kind: 'console', data };
                  ctx.sink.push(event);
                } finally {
                  busy = was;
                }
              });
              if (!queued) gate.leftOut();
            }
          } catch (e) {
            ctx.guard.report(e);
          } finally {
            busy = false;
          }
          return result;
        },
    );
    if (p) patches.push(p as Patched<unknown>);
  }
  return () => {
    for (const p of patches.splice(0)) ctx.guard.run(() => p.restore());
    ctx.guard.run(() => gate.report());
  };
}
