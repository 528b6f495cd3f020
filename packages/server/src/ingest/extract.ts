import type { ReplayEvent, SessionCounts, SerializedValue } from '@reprise/protocol';

/** Rows for the small index tables, taken from a batch as it arrives so search never re-reads chunks. */
export interface IndexRows {
  network: { t: number; method: string; url: string; status: number; durationMs: number; failed: boolean }[];
  console: { t: number; level: string; text: string }[];
  errors: { t: number; name: string | null; message: string; stack: string | null }[];
  /** What this batch adds to the session's counts. */
  counts: SessionCounts;
  /** Last `identify` userId in the batch, if any (replaces the session's). */
  userId: string | null;
  /** `tag` calls in the batch, merged into the session's tags (last value wins). */
  tags: Record<string, string>;
}

export const ZERO_COUNTS: SessionCounts = {
  errors: 0, consoleErrors: 0, consoleWarnings: 0, network4xx: 0, network5xx: 0, networkFailed: 0, feedback: 0,
};

const MAX_TEXT = 2000;
export const MAX_TAGS = 50;

/** Event data is untrusted: every field is checked, and anything malformed is skipped, not fatal. */
export function extractIndexRows(events: ReplayEvent[]): IndexRows {
  const out: IndexRows = { network: [], console: [], errors: [], counts: { ...ZERO_COUNTS }, userId: null, tags: {} };
  for (const e of events) {
    const d = e.data as Record<string, unknown> | null;
    if (!d || typeof d !== 'object') continue;
    if (e.kind === 'network') {
      const status = num(d.status) ?? 0;
      // A beacon never sees its response: status 0 there means queued, not failed.
      const failed = typeof d.error === 'string' || (status === 0 && d.initiator !== 'beacon');
      out.network.push({
        t: e.t,
        method: str(d.method, 16)?.toUpperCase() ?? 'GET',
        url: str(d.url, MAX_TEXT) ?? '',
        status,
        durationMs: num(d.durationMs) ?? 0,
        failed,
      });
      if (failed) out.counts.networkFailed++;
      else if (status >= 500) out.counts.network5xx++;
      else if (status >= 400) out.counts.network4xx++;
    } else if (e.kind === 'console') {
      const level = str(d.level, 32) ?? 'log';
      out.console.push({ t: e.t, level, text: Array.isArray(d.args) ? argsText(d.args as SerializedValue[]) : '' });
      // The recorder emits `assert` only for failed assertions, which browsers print as errors.
      if (level === 'error' || level === 'assert') out.counts.consoleErrors++;
      else if (level === 'warn') out.counts.consoleWarnings++;
    } else if (e.kind === 'error') {
      out.errors.push({ t: e.t, name: str(d.name, 200), message: str(d.message, MAX_TEXT) ?? '', stack: str(d.stack, 8000) });
      out.counts.errors++;
    } else if (e.kind === 'custom') {
      if (d.type === 'identify') {
        const userId = str(d.userId, 256);
        if (userId) out.userId = userId;
      } else if (d.type === 'tag') {
        const key = str(d.key, 100);
        const value = typeof d.value === 'string' ? d.value.slice(0, 500) : typeof d.value === 'number' || typeof d.value === 'boolean' ? String(d.value) : null;
        // Own-property writes only; capped so a hostile batch cannot bloat the row.
        if (key && value !== null && (Object.hasOwn(out.tags, key) || Object.keys(out.tags).length < MAX_TAGS)) {
          Object.defineProperty(out.tags, key, { value, enumerable: true, writable: true, configurable: true });
        }
      } else if (d.type === 'feedback') {
        out.counts.feedback++;
      }
    }
  }
  return out;
}

function str(v: unknown, max: number): string | null {
  return typeof v === 'string' ? v.slice(0, max) : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A flat, searchable rendering of console arguments (the tree stays in the chunk). */
export function argsText(args: SerializedValue[]): string {
  let text = '';
  const add = (s: string) => {
    if (text.length < MAX_TEXT) text += (text ? ' ' : '') + s;
  };
  const walk = (v: SerializedValue | undefined, depth: number): void => {
    if (!v || typeof v !== 'object' || depth > 3 || text.length >= MAX_TEXT) return;
    switch (v.type) {
      case 'string': add(String(v.value)); break;
      case 'number': case 'boolean': case 'bigint': case 'symbol': case 'date': case 'regexp': add(String(v.value)); break;
      case 'error': add(`${v.name}: ${v.message}`); break;
      case 'dom': add(v.selector); break;
      case 'function': add(`ƒ ${v.name}`); break;
      case 'array': case 'set': for (const i of v.items ?? []) walk(i, depth + 1); break;
      case 'object': for (const [k, val] of v.entries ?? []) { add(`${k}:`); walk(val, depth + 1); } break;
      case 'map': for (const [k, val] of v.entries ?? []) { walk(k, depth + 1); walk(val, depth + 1); } break;
      default: break;
    }
  };
  for (const a of args.slice(0, 50)) walk(a, 0);
  return text.slice(0, MAX_TEXT);
}
