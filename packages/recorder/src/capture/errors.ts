/**
 * Uncaught errors, unhandled rejections, failed resource loads, and errors logged with
 * console.error. Listens only: never calls preventDefault, so the page's own handlers and the
 * console see everything.
 *
 * Logged errors: frameworks catch what a component throws and log it instead (Angular's
 * ErrorHandler, Vue 3's default handler, a React error boundary, zone.js's unhandled rejections),
 * so in those apps no error ever reaches window.onerror. An Error object passed to console.error
 * is recorded as an error too (origin `console`), once per object: not again when it was thrown
 * or logged before.
 */
import type { ErrorData, ReplayEvent } from '@reprise/protocol';
import type { CaptureContext, Stop } from './context.js';
import { withLateCapture } from './describe-later.js';
import type { FloodGate } from './flood.js';
import { createRedactor } from './privacy.js';
import type { SerializeRedaction } from './serialize.js';

const RESOURCE_TAGS = new Set(['img', 'script', 'link', 'video', 'audio', 'source', 'iframe', 'image', 'track', 'embed', 'object']);
const MAX_MESSAGE = 4000;
const MAX_STACK = 8000;

function str(v: unknown, max: number): string | undefined {
  return typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined;
}

function read(o: unknown, key: string): unknown {
  try {
    return o !== null && (typeof o === 'object' || typeof o === 'function') ? (o as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

function resourceUrl(el: Element): string {
  try {
    const e = el as Element & { currentSrc?: unknown; src?: unknown; href?: unknown };
    const v = e.currentSrc || e.src || e.href || el.getAttribute('src') || el.getAttribute('href') || '';
    return typeof v === 'string' ? v : String((v as { baseVal?: unknown }).baseVal ?? '');
  } catch {
    return '';
  }
}

/** Name and stack of an Error-like object (its message is the caller's: it may not be one). */
function described(err: unknown, origin: ErrorData['origin']): ErrorData {
  const data: ErrorData = { message: '', origin };
  const name = str(read(err, 'name'), 200);
  if (name) data.name = name;
  const stack = str(read(err, 'stack'), MAX_STACK);
  if (stack) data.stack = stack;
  return data;
}

export interface ErrorCapture {
  stop: Stop;
  /** The arguments of a console.error call: the first Error among them is recorded (see above). */
  logged(args: unknown[]): void;
}

/** True when `v` is an object not recorded yet; from then on it counts as recorded. */
function unseen(seen: WeakSet<object>, v: unknown): boolean {
  try {
    if (typeof v !== 'object' || v === null || seen.has(v)) return false;
    seen.add(v);
    return true;
  } catch {
    return false;
  }
}

export function startErrorCapture(ctx: CaptureContext, gate: FloodGate): ErrorCapture {
  // Error objects (and rejection reasons) already recorded.
  const seen = new WeakSet<object>();
  const redactor = createRedactor(ctx.opts.redactKeys, []);
  const redact: SerializeRedaction = { key: redactor.isSensitiveKey, text: (s) => redactor.text(s) };
  const record = (data: ErrorData, t: number): void => {
    // Messages and stacks are free text (`token=…` in a message): same rules as console text.
    data.message = redactor.text(data.message);
    if (data.stack) data.stack = redactor.text(data.stack);
    if (data.source) data.source = redactor.url(data.source);
    const event: ReplayEvent<'error', ErrorData> = { t, kind: 'error', data };
    ctx.sink.push(event);
  };
  const push = (data: ErrorData): void => {
    if (gate.allow()) record(data, Date.now());
  };

  const onError = ctx.guard.wrap((ev: Event): void => {
    const target = ev.target;
    if (target && target !== window && typeof Element !== 'undefined' && target instanceof Element) {
      const tag = target.localName.toLowerCase();
      if (!RESOURCE_TAGS.has(tag)) return;
      const url = resourceUrl(target);
      push({ message: `Failed to load ${tag} ${url}`.slice(0, MAX_MESSAGE), source: url || undefined, origin: 'resource' });
      return;
    }
    if (typeof ErrorEvent === 'undefined' || !(ev instanceof ErrorEvent)) return;
    const err: unknown = ev.error;
    unseen(seen, err);
    const data: ErrorData = {
      message: str(ev.message, MAX_MESSAGE) ?? str(read(err, 'message'), MAX_MESSAGE) ?? 'Script error.',
      origin: 'error',
    };
    const name = str(read(err, 'name'), 200);
    if (name) data.name = name;
    const stack = str(read(err, 'stack'), MAX_STACK);
    if (stack) data.stack = stack;
    if (ev.filename) data.source = ev.filename;
    if (ev.lineno) data.line = ev.lineno;
    if (ev.colno) data.column = ev.colno;
    push(data);
  });

  const onRejection = ctx.guard.wrap((ev: PromiseRejectionEvent): void => {
    const reason: unknown = ev.reason;
    unseen(seen, reason);
    const isErr = typeof reason === 'object' && reason !== null && typeof read(reason, 'message') === 'string';
    const data = isErr ? described(reason, 'unhandledrejection') : { message: '', origin: 'unhandledrejection' as const };
    const message = isErr ? str(read(reason, 'message'), MAX_MESSAGE) : typeof reason === 'string' ? redact.text(reason) : undefined;
    if (message !== undefined) return push({ ...data, message: message.slice(0, MAX_MESSAGE) });
    // Any other value is serialized by the capture chunk: at once when it is there, else when it arrives.
    if (!gate.allow()) return;
    const t = Date.now();
    if (!withLateCapture(ctx.guard, (m) => record({ ...data, message: m.reasonText(reason, redact).slice(0, MAX_MESSAGE) }, t)))
      gate.leftOut();
  });

  // Capture phase: resource errors don't bubble, and page handlers that stop propagation don't hide errors from us.
  window.addEventListener('error', onError, true);
  window.addEventListener('unhandledrejection', onRejection as EventListener);
  return {
    stop() {
      window.removeEventListener('error', onError, true);
      window.removeEventListener('unhandledrejection', onRejection as EventListener);
      ctx.guard.run(() => gate.report());
    },
    logged: ctx.guard.wrap((args: unknown[]): void => {
      const err = args.find((a) => {
        try {
          return a instanceof Error;
        } catch {
          return false;
        }
      });
      if (!unseen(seen, err)) return;
      push({ ...described(err, 'console'), message: str(read(err, 'message'), MAX_MESSAGE) ?? '' });
    }),
  };
}
