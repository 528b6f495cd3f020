/**
 * What the viewer adds to rrweb's replay so it shows what the user saw, and only that, inside
 * the sandbox (an iframe with `allow-same-origin` and no `allow-scripts`, see mount.ts):
 *
 * - `cleanForReplay` (on every rrweb event, once, before rrweb gets it): removes attributes
 *   that can only fail in a sandbox without scripts and fill the console: `autofocus` ("Blocked
 *   autofocusing … the element's frame is sandboxed", once per rebuild of the element) and
 *   inline event handlers (`on*`, "Blocked script execution" when an event fires). It also moves
 *   a canvas's snapshot image (`rr_dataURL`) to `data-reprise-frame`, so the canvas frames below
 *   draw it in order with the frames that follow it.
 * - `attachReplayHygiene` (once per Replayer):
 *   - canvas frames (the recorder's sampled WebP/JPEG frames, CanvasMutation events) are drawn
 *     by the viewer's own code on the replayed canvas. rrweb would only draw them with
 *     `UNSAFE_replayCanvas`, which builds the replay iframe with `allow-scripts` as well as
 *     `allow-same-origin`: recorded content could then run script with the viewer's origin.
 *     Drawing needs no script in the frame (the viewer's script draws into it), so the sandbox
 *     stays as it is. During a seek only the last frame per canvas is decoded.
 *   - popovers open and close as recorded (the recorder's `reprise-popover` custom events):
 *     the top layer has no attribute rrweb could replay.
 *   - an iframe whose document was never recorded (a cross-origin frame without the recorder)
 *     shows a labelled placeholder instead of a blank box.
 */
import type { Replayer } from '@rrweb/replay';
import type { RrwebEvent } from './timeline';

// rrweb's numeric enums (EventType, IncrementalSource, NodeType).
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;
const SOURCE_MUTATION = 0;
const SOURCE_CANVAS = 9;
const CUSTOM = 5;
/** The recorder's custom event for a popover's open state (recorder dom/popovers.ts). */
const POPOVER_TAG = 'reprise-popover';
const NODE_ELEMENT = 2;

/** The attribute a replayed canvas carries its snapshot image in (see cleanForReplay). */
export const FRAME_ATTRIBUTE = 'data-reprise-frame';
export const PLACEHOLDER_TEXT = 'cross-origin frame not recorded';

interface SerializedNode {
  type: number;
  tagName?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SerializedNode[];
}

const HANDLER = /^on[a-z]+$/;

/**
 * Attributes that only produce sandbox errors in the replay: `autofocus` and event handler
 * content attributes. An `on…` name counts as a handler when the browser knows it as one (an
 * attribute such as `onboarding` is the page's own and stays).
 */
function isNoise(name: string): boolean {
  if (name === 'autofocus') return true;
  if (!HANDLER.test(name)) return false;
  if (typeof window === 'undefined') return true;
  return name in HTMLElement.prototype || name in window;
}

function cleanAttributes(attrs: Record<string, unknown>, tagName: string | undefined): void {
  for (const name of Object.keys(attrs)) if (isNoise(name.toLowerCase())) delete attrs[name];
  if (tagName === 'canvas' && typeof attrs.rr_dataURL === 'string') {
    attrs[FRAME_ATTRIBUTE] = attrs.rr_dataURL;
    delete attrs.rr_dataURL;
  }
}

function cleanTree(root: SerializedNode): void {
  const stack: SerializedNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === NODE_ELEMENT && n.attributes) cleanAttributes(n.attributes, n.tagName);
    if (n.childNodes) for (const c of n.childNodes) stack.push(c);
  }
}

/** Cleans one rrweb event in place (idempotent) and returns it. */
export function cleanForReplay(e: RrwebEvent): RrwebEvent {
  try {
    const d = e.data as {
      node?: SerializedNode;
      source?: number;
      adds?: { node?: SerializedNode }[];
      attributes?: { attributes?: Record<string, unknown> }[];
    } | null;
    if (!d || typeof d !== 'object') return e;
    if (e.type === FULL_SNAPSHOT && d.node) cleanTree(d.node);
    else if (e.type === INCREMENTAL && d.source === SOURCE_MUTATION) {
      for (const a of d.adds ?? []) if (a.node) cleanTree(a.node);
      for (const a of d.attributes ?? []) if (a.attributes) cleanAttributes(a.attributes, undefined);
    }
  } catch {
    // Malformed stored data: rrweb gets it as it is (the viewer survives any stored data).
  }
  return e;
}

type ReplayPlugin = NonNullable<Replayer['config']['plugins']>[number];

interface FrameCommand {
  property?: string;
  args?: unknown[];
}

/** The image of one sampled canvas frame (the recorder's format), or null for anything else. */
function frameBlob(commands: FrameCommand[] | undefined): Blob | null {
  const draw = commands?.find((c) => c.property === 'drawImage');
  const bitmap = draw?.args?.[0] as
    { rr_type?: string; args?: { rr_type?: string; type?: string; data?: { base64?: string }[] }[] } | undefined;
  const blob = bitmap?.rr_type === 'ImageBitmap' ? bitmap.args?.[0] : undefined;
  const base64 = blob?.rr_type === 'Blob' ? blob.data?.[0]?.base64 : undefined;
  if (typeof base64 !== 'string') return null;
  return new Blob([base64Bytes(base64)], { type: typeof blob?.type === 'string' ? blob.type : 'image/webp' });
}

function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A `data:image/…;base64,…` URL as a Blob (decoded here: the viewer's CSP refuses fetch of data URLs). */
function dataUrlBlob(url: string): Blob | null {
  const m = /^data:([^;,]+);base64,/.exec(url);
  if (!m) return null;
  return new Blob([base64Bytes(url.slice(m[0].length))], { type: m[1] });
}

function isCanvas(n: unknown): n is HTMLCanvasElement {
  return !!n && (n as Node).nodeName === 'CANVAS';
}

/** Draws canvas frames; the newest frame asked for per canvas wins, whatever order decoding ends in. */
function canvasPainter() {
  const pending = new Map<HTMLCanvasElement, Blob>();
  const latest = new WeakMap<HTMLCanvasElement, number>();
  let seq = 0;
  let scheduled = false;
  const paint = (canvas: HTMLCanvasElement, blob: Blob): void => {
    const mine = ++seq;
    latest.set(canvas, mine);
    createImageBitmap(blob).then(
      (bitmap) => {
        try {
          if (latest.get(canvas) !== mine || !canvas.isConnected) return;
          const ctx = canvas.getContext('2d');
          if (!ctx) return;
          ctx.clearRect(0, 0, canvas.width, canvas.height);
          ctx.drawImage(bitmap, 0, 0);
        } finally {
          bitmap.close();
        }
      },
      () => {
        /* an undecodable frame: the canvas keeps the previous one */
      },
    );
  };
  const flush = (): void => {
    scheduled = false;
    const batch = [...pending];
    pending.clear();
    for (const [canvas, blob] of batch) paint(canvas, blob);
  };
  return {
    /** Queued until the current task's events are applied: a seek decodes one frame per canvas. */
    show(canvas: HTMLCanvasElement, blob: Blob): void {
      pending.set(canvas, blob);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    },
  };
}

function placeholderInto(frame: HTMLIFrameElement): void {
  const doc = frame.contentDocument;
  if (!doc || !doc.body || doc.getElementById('reprise-frame-placeholder')) return;
  const box = doc.createElement('div');
  box.id = 'reprise-frame-placeholder';
  box.setAttribute(
    'style',
    'position:fixed;inset:0;display:flex;align-items:center;justify-content:center;text-align:center;padding:8px;' +
      'background:repeating-linear-gradient(45deg,#f3f4f6 0 10px,#e5e7eb 10px 20px);color:#374151;' +
      'font:13px/1.4 system-ui,sans-serif;border:1px dashed #9ca3af;box-sizing:border-box;',
  );
  const src = frame.getAttribute('rr_src');
  let origin = '';
  try {
    if (src) origin = new URL(src).origin;
  } catch {
    /* no usable URL: the label says no more */
  }
  box.textContent = origin ? `${PLACEHOLDER_TEXT} (${origin})` : PLACEHOLDER_TEXT;
  doc.body.appendChild(box);
}

/**
 * Canvas frames and placeholders for one Replayer (see the top of this file). Returns the
 * detach function. The replayer must not be built with UNSAFE_replayCanvas.
 */
export function attachReplayHygiene(replayer: Replayer): () => void {
  const painter = canvasPainter();
  let checkFrames = false;
  const frames = (): void => {
    checkFrames = false;
    const mirror = replayer.getMirror();
    const walk = (doc: Document | null | undefined): void => {
      if (!doc) return;
      for (const f of Array.from(doc.querySelectorAll('iframe'))) {
        // A document rrweb built (same-origin frame, or a cross-origin frame whose recorder
        // reported to the page's) is in its mirror; any other frame was never recorded.
        if (f.contentDocument && mirror.getId(f.contentDocument) > 0) walk(f.contentDocument);
        else placeholderInto(f);
      }
    };
    try {
      walk(replayer.iframe.contentDocument);
    } catch {
      /* a replayer being destroyed */
    }
  };
  const scheduleFrames = (): void => {
    if (checkFrames) return;
    checkFrames = true;
    queueMicrotask(frames);
  };
  const popover = (d: { tag?: unknown; payload?: { id?: unknown; open?: unknown } } | null): void => {
    if (!d || d.tag !== POPOVER_TAG || typeof d.payload?.id !== 'number') return;
    const el = replayer.getMirror().getNode(d.payload.id) as (HTMLElement & { showPopover?(): void; hidePopover?(): void }) | null;
    try {
      if (!el || typeof el.showPopover !== 'function' || !el.hasAttribute('popover')) return;
      if (d.payload.open === true && !el.matches(':popover-open')) el.showPopover();
      else if (d.payload.open === false && el.matches(':popover-open')) el.hidePopover?.();
    } catch {
      /* not a popover any more, or not connected */
    }
  };
  const plugin: ReplayPlugin = {
    onBuild(node) {
      if (isCanvas(node)) {
        const url = node.getAttribute(FRAME_ATTRIBUTE);
        const blob = url ? dataUrlBlob(url) : null;
        if (blob) painter.show(node, blob);
      } else if ((node as Node).nodeName === 'IFRAME') scheduleFrames();
    },
    handler(event) {
      if (event.type === CUSTOM) return popover(event.data as { tag?: unknown; payload?: { id?: unknown; open?: unknown } } | null);
      const d = event.data as { source?: number; id?: number; commands?: FrameCommand[] } | null;
      if (event.type !== INCREMENTAL || !d || d.source !== SOURCE_CANVAS || typeof d.id !== 'number') return;
      const canvas = replayer.getMirror().getNode(d.id);
      const blob = isCanvas(canvas) ? frameBlob(d.commands) : null;
      if (isCanvas(canvas) && blob) painter.show(canvas, blob);
    },
  };
  replayer.config.plugins = [...(replayer.config.plugins ?? []), plugin];
  replayer.on('fullsnapshot-rebuilded', scheduleFrames);
  scheduleFrames();
  return () => {
    replayer.config.plugins = (replayer.config.plugins ?? []).filter((p) => p !== plugin);
  };
}
