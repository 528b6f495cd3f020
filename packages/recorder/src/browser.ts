/**
 * Script-tag entry, built as the IIFE dist/browser/reprise.js:
 *
 *   <script src="https://replay.example.com/sdk/reprise.js" data-project-key="KEY" async></script>
 *
 * starts recording with no other code. Options come from data-* attributes;
 * the endpoint defaults to the origin the script was loaded from.
 */
import * as sdk from './index.js';
import { activeLink } from './link.js';
import {
  init,
  isOwnRequest,
  SDK_VERSION,
  type CaptureToggles,
  type RecorderHandle,
  type RecorderOptions,
  type RecorderStats,
  type BufferTrigger,
} from './index.js';

/** `window.Reprise`: the handle's methods (documented on RecorderHandle) plus the module functions. */
export interface RepriseGlobal extends Omit<RecorderHandle, 'stats'> {
  version: string;
  init(options: RecorderOptions): RecorderHandle;
  initOnDemand(options: RecorderOptions): RecorderHandle;
  /** Starts again after stop() with the last init() options. */
  start(): void;
  /** Null when nothing is recording. */
  stats(): RecorderStats | null;
  isOwnRequest(url: string | URL): boolean;
}

declare global {
  interface Window {
    Reprise?: RepriseGlobal;
  }
}

// Only valid while this script is being evaluated (async scripts included), so read it first.
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;

function numberAttr(s: HTMLScriptElement, name: string): number | undefined {
  const v = s.getAttribute(name);
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function stringAttr(s: HTMLScriptElement, name: string): string | undefined {
  return s.getAttribute(name) ?? undefined;
}

/** Comma-separated list, e.g. data-redact-keys="ssn,dob". */
function listAttr(s: HTMLScriptElement, name: string): string[] | undefined {
  const v = s.getAttribute(name);
  if (v === null) return undefined;
  return v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** data-capture-console="false" etc. turn a capture kind off. */
function captureAttrs(s: HTMLScriptElement): CaptureToggles {
  const off = (kind: string): boolean | undefined => (s.getAttribute(`data-capture-${kind}`) === 'false' ? false : undefined);
  return {
    console: off('console'),
    network: off('network'),
    errors: off('errors'),
    nav: off('nav'),
    env: off('env'),
    perf: off('perf'),
    clicks: off('clicks'),
    keys: off('keys'),
  };
}

function optionsFromScript(s: HTMLScriptElement): RecorderOptions | null {
  const projectKey = s.getAttribute('data-project-key');
  if (!projectKey) return null;
  let endpoint = stringAttr(s, 'data-endpoint');
  if (!endpoint && s.src) {
    try {
      endpoint = new URL(s.src, location.href).origin;
    } catch {
      /* no usable src: init() will report the missing endpoint */
    }
  }
  return {
    projectKey,
    endpoint,
    sampleRate: numberAttr(s, 'data-sample-rate'),
    release: stringAttr(s, 'data-release'),
    maskAllInputs: s.getAttribute('data-mask-all-inputs') !== 'false',
    blockSelector: stringAttr(s, 'data-block-selector'),
    maskTextSelector: stringAttr(s, 'data-mask-text-selector'),
    flushIntervalMs: numberAttr(s, 'data-flush-interval-ms'),
    maxBatchBytes: numberAttr(s, 'data-max-batch-bytes'),
    maxQueueBytes: numberAttr(s, 'data-max-queue-bytes'),
    maxRetryDelayMs: numberAttr(s, 'data-max-retry-delay-ms'),
    maxRetries: numberAttr(s, 'data-max-retries'),
    checkoutEveryNms: numberAttr(s, 'data-checkout-every-ms'),
    mutationLimit: numberAttr(s, 'data-mutation-limit'),
    debug: s.hasAttribute('data-debug') && s.getAttribute('data-debug') !== 'false',
    capture: captureAttrs(s),
    captureBodies: s.getAttribute('data-capture-bodies') !== 'false',
    bodyUrlAllow: listAttr(s, 'data-body-url-allow'),
    bodyUrlDeny: listAttr(s, 'data-body-url-deny'),
    networkBodyMaxBytes: numberAttr(s, 'data-network-body-max-bytes'),
    redactKeys: listAttr(s, 'data-redact-keys'),
    redactHeaders: listAttr(s, 'data-redact-headers'),
    tracePropagationTargets: listAttr(s, 'data-trace-propagation-targets'),
    mode: modeAttr(s),
    bufferSeconds: numberAttr(s, 'data-buffer-seconds'),
    afterErrorSeconds: numberAttr(s, 'data-after-error-seconds'),
    triggers: listAttr(s, 'data-triggers') as BufferTrigger[] | undefined,
    feedback: s.getAttribute('data-feedback') === 'true',
    recordCanvas: canvasAttr(s),
    canvasFps: numberAttr(s, 'data-canvas-fps'),
    canvasQuality: numberAttr(s, 'data-canvas-quality'),
    canvasType: s.getAttribute('data-canvas-type') === 'image/jpeg' ? 'image/jpeg' : undefined,
  };
}

/** data-record-canvas="true" records every visible canvas, "marked" only those with data-reprise-canvas. */
function canvasAttr(s: HTMLScriptElement): RecorderOptions['recordCanvas'] {
  const v = s.getAttribute('data-record-canvas');
  return v === 'marked' ? 'marked' : v === 'true' || v === '' ? true : undefined;
}

function modeAttr(s: HTMLScriptElement): RecorderOptions['mode'] {
  const m = s.getAttribute('data-mode');
  return m === 'buffer' || m === 'on-demand' || m === 'always' ? m : undefined;
}

let handle: RecorderHandle | null = null;

try {
  const fromTag = script ? optionsFromScript(script) : null;
  // A support link also works on a page with the always-on tag: the link's token
  // switches this tab to link mode (tagged session, badge, recorded regardless of sampling).
  const link =
    fromTag?.endpoint && fromTag.mode !== 'on-demand' ? activeLink(fromTag.projectKey, fromTag.endpoint.replace(/\/+$/, '')) : null;
  if (fromTag) handle = init(link ? { ...fromTag, link: link.token } : fromTag);
} catch {
  /* never break the page */
}

// The running recorder is looked up on every call: it may have ended itself (support link stopped).
const api: RepriseGlobal = {
  version: SDK_VERSION,
  init(options) {
    handle = init(options);
    return handle;
  },
  initOnDemand(options) {
    handle = sdk.initOnDemand(options);
    return handle;
  },
  start() {
    handle = sdk.start();
  },
  stop() {
    sdk.stop();
    handle = null;
  },
  flush: () => sdk.flush(),
  getSessionId: () => sdk.getSessionId(),
  getSessionUrl: (atTime) => sdk.getSessionUrl(atTime),
  identify: (userId, traits) => sdk.identify(userId, traits),
  tag: (key, value) => sdk.tag(key, value),
  event: (name, data) => sdk.event(name, data),
  stats: () => (handle ? handle.stats() : null),
  isOwnRequest,
};

try {
  window.Reprise = api;
} catch {
  /* a frozen window property: the global is optional */
}
