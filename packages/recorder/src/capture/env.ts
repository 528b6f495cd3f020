/**
 * Environment snapshot (browser, screen, viewport, locale, connection): at start,
 * on each new session, and when it changes. The server parses the user agent too,
 * so only `navigator.userAgentData` (when present) is used for browser / OS / device.
 */
import type { EnvData, ReplayEvent } from '@reprise/protocol';
import type { CaptureContext, Stop } from './context.js';
import { createRedactor } from './privacy.js';

const RESIZE_DEBOUNCE_MS = 500;

interface UAData {
  brands?: Array<{ brand: string; version: string }>;
  mobile?: boolean;
  platform?: string;
}

interface NetInfo extends EventTarget {
  effectiveType?: string;
  downlink?: number;
  rtt?: number;
  saveData?: boolean;
}

function connection(): NetInfo | undefined {
  try {
    const c = (navigator as Navigator & { connection?: NetInfo }).connection;
    return c && typeof c === 'object' ? c : undefined;
  } catch {
    return undefined;
  }
}

interface TemporalNow {
  Now?: { timeZoneId?: () => unknown };
}

/**
 * The IANA time zone. Temporal.Now.timeZoneId() is nearly free; the first
 * Intl.DateTimeFormat of a page loads ICU locale data (30-90 ms of main thread in
 * Chromium), so it is only the fallback for browsers without Temporal.
 */
export function timeZone(): string | undefined {
  try {
    const t = (globalThis as { Temporal?: TemporalNow }).Temporal;
    const id = t && t.Now && typeof t.Now.timeZoneId === 'function' ? t.Now.timeZoneId() : undefined;
    if (typeof id === 'string' && id) return id;
  } catch {
    /* fall back to Intl */
  }
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

export function envSnapshot(redactUrl: (u: string) => string = (u) => u): EnvData {
  const data: EnvData = {
    userAgent: navigator.userAgent,
    viewport: { width: window.innerWidth, height: window.innerHeight },
    screen: { width: screen?.width ?? 0, height: screen?.height ?? 0 },
    dpr: window.devicePixelRatio || 1,
    url: redactUrl(location.href),
    referrer: redactUrl(document.referrer),
  };
  try {
    const ua = (navigator as Navigator & { userAgentData?: UAData }).userAgentData;
    if (ua) {
      const brands = Array.isArray(ua.brands) ? ua.brands : [];
      // Prefer a real brand over the GREASE entry and the generic "Chromium".
      const real = brands.filter((b) => !/not.?a.?brand/i.test(b.brand));
      const pick = real.find((b) => b.brand !== 'Chromium') ?? real[0];
      if (pick) data.browser = { name: pick.brand, version: pick.version };
      if (ua.platform) data.os = { name: ua.platform };
      if (typeof ua.mobile === 'boolean') data.device = { type: ua.mobile ? 'mobile' : 'desktop' };
    }
  } catch {
    /* optional */
  }
  const tz = timeZone();
  if (tz) data.timezone = tz;
  if (navigator.language) data.language = navigator.language;
  if (Array.isArray(navigator.languages) || (navigator.languages && navigator.languages.length)) {
    data.languages = Array.from(navigator.languages).slice(0, 20);
  }
  const c = connection();
  if (c) {
    const conn: NonNullable<EnvData['connection']> = {};
    if (typeof c.effectiveType === 'string') conn.effectiveType = c.effectiveType;
    if (typeof c.downlink === 'number') conn.downlink = c.downlink;
    if (typeof c.rtt === 'number') conn.rtt = c.rtt;
    if (typeof c.saveData === 'boolean') conn.saveData = c.saveData;
    data.connection = conn;
  }
  return data;
}

export interface EnvCapture {
  stop: Stop;
  /** Emits a fresh snapshot now (start of a new session on this page). */
  emit(): void;
}

export function startEnvCapture(ctx: CaptureContext): EnvCapture {
  const redactor = createRedactor(ctx.opts.redactKeys, []);
  let last = '';
  const emit = (force: boolean): void => {
    ctx.guard.run(() => {
      const data = envSnapshot((u) => redactor.url(u));
      // Only the things that change matter for deduplication; the URL changes with nav events.
      const key = JSON.stringify([data.viewport, data.screen, data.dpr, data.language, data.languages, data.connection]);
      if (!force && key === last) return;
      last = key;
      const event: ReplayEvent<'env', EnvData> = { t: Date.now(), kind: 'env', data };
      ctx.sink.push(event);
    });
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onResize = ctx.guard.wrap(() => {
    clearTimeout(timer);
    timer = setTimeout(
      ctx.guard.wrap(() => emit(false)),
      RESIZE_DEBOUNCE_MS,
    );
  });
  const onChange = ctx.guard.wrap(() => emit(false));
  window.addEventListener('resize', onResize, { passive: true });
  window.addEventListener('languagechange', onChange);
  const conn = connection();
  try {
    conn?.addEventListener?.('change', onChange);
  } catch {
    /* optional */
  }
  emit(true);
  return {
    emit: () => emit(true),
    stop() {
      clearTimeout(timer);
      window.removeEventListener('resize', onResize);
      window.removeEventListener('languagechange', onChange);
      try {
        conn?.removeEventListener?.('change', onChange);
      } catch {
        /* optional */
      }
    },
  };
}
