/**
 * Splits the timeline's non-dom events into what each devtools tab lists, each entry
 * carrying its `offset` on the player clock (ms since the replay's first rrweb event).
 */
import type { ConsoleData, CustomData, EnvData, ErrorData, NavData, NetworkData, RecorderNotice, VitalData } from '@reprise/protocol';
import type { Timeline } from '../player/timeline';
import {
  read,
  readConsole,
  readCustomEvent,
  readEnv,
  readError,
  readFeedback,
  readNav,
  readNetwork,
  readNotice,
  readVital,
} from './guards';

export interface Entry<D> {
  /** Stable index within its list (used as React key and for "current" tracking). */
  index: number;
  /** Epoch ms of the event. */
  t: number;
  /** Player offset in ms (may be negative or beyond the duration; the player clamps). */
  offset: number;
  data: D;
}

export interface Devtools {
  console: Entry<ConsoleData>[];
  network: Entry<NetworkData>[];
  errors: Entry<ErrorData>[];
  navs: Entry<NavData>[];
  vitals: Entry<VitalData>[];
  /** "Report a problem" submissions (custom events of type feedback). */
  feedback: Entry<Extract<CustomData, { type: 'feedback' }>>[];
  /** App events from `Reprise.event(name, data)`. */
  customEvents: Entry<Extract<CustomData, { type: 'event' }>>[];
  /** Where the recorder degraded instead of stopping (a mutation burst recorded as a fresh snapshot). */
  notices: Entry<RecorderNotice>[];
  /** The latest readable environment snapshot, if any. */
  env: EnvData | null;
  /**
   * Events of a listed kind whose data could not be read (wrong types, missing fields), by
   * time: each panel shows its kind's in place as "unreadable event", and the scrub bar marks them.
   */
  unreadable: Entry<UnreadableData>[];
  startTime: number;
  durationMs: number;
}

export type UnreadableKind = 'console' | 'network' | 'error' | 'nav' | 'vital' | 'env' | 'feedback' | 'custom' | 'notice';

export interface UnreadableData {
  kind: UnreadableKind;
  /** What is wrong with it, for the row's tooltip. */
  reason: string;
}

/** The unreadable entries of some kinds, for one panel. */
export function unreadableOf(dt: Devtools, ...kinds: UnreadableKind[]): Entry<UnreadableData>[] {
  return dt.unreadable.filter((e) => kinds.includes(e.data.kind));
}

/**
 * A request's start on the session clock. `startedAt` is epoch ms like `t`; a value that
 * is clearly not an epoch (e.g. a performance.now() from an old recorder) falls back to `t`.
 */
function networkStart(t: number, data: NetworkData): number {
  const s = data.startedAt;
  return typeof s === 'number' && s > 1e11 ? s : t;
}

export function buildDevtools(timeline: Timeline): Devtools {
  const out: Devtools = {
    console: [],
    network: [],
    errors: [],
    navs: [],
    vitals: [],
    feedback: [],
    customEvents: [],
    notices: [],
    env: null,
    unreadable: [],
    startTime: timeline.startTime,
    durationMs: timeline.durationMs,
  };
  const push = <D>(list: Entry<D>[], t: number, data: D) => list.push({ index: list.length, t, offset: t - timeline.startTime, data });
  /** Reads `data`; pushes it, or an unreadable entry of `kind`. */
  const take = <D>(kind: UnreadableKind, t: number, data: unknown, reader: Parameters<typeof read<D>>[0], onRead: (d: D) => void) => {
    const r = read(reader, data);
    if (r.ok) onRead(r.data);
    else push(out.unreadable, t, { kind, reason: r.reason });
  };

  for (const ev of timeline.other) {
    const t = ev.t;
    switch (ev.kind) {
      case 'console':
        take('console', t, ev.data, readConsole, (d) => push(out.console, t, d));
        break;
      case 'network':
        take('network', t, ev.data, readNetwork, (d) => push(out.network, networkStart(t, d), d));
        break;
      case 'error':
        take('error', t, ev.data, readError, (d) => push(out.errors, t, d));
        break;
      case 'nav':
        take('nav', t, ev.data, readNav, (d) => push(out.navs, t, d));
        break;
      case 'vital':
        take('vital', t, ev.data, readVital, (d) => push(out.vitals, t, d));
        break;
      case 'env':
        take('env', t, ev.data, readEnv, (d) => (out.env = d));
        break;
      case 'custom': {
        const type = ev.data && typeof ev.data === 'object' ? (ev.data as { type?: unknown }).type : undefined;
        // Other custom types (identify, tag, stop) are not listed anywhere.
        if (type === 'feedback') take('feedback', t, ev.data, readFeedback, (d) => push(out.feedback, t, d));
        else if (type === 'event') take('custom', t, ev.data, readCustomEvent, (d) => push(out.customEvents, t, d));
        else if (type === 'notice') take('notice', t, ev.data, readNotice, (d) => push(out.notices, t, d));
        else if (!ev.data || typeof ev.data !== 'object') push(out.unreadable, t, { kind: 'custom', reason: 'data is not an object' });
        break;
      }
    }
  }
  // Requests are logged when they finish; the waterfall is ordered by when they started.
  out.network.sort((a, b) => a.t - b.t);
  out.network.forEach((e, i) => (e.index = i));
  return out;
}

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'failed' | 'other';

export function statusClass(n: NetworkData): StatusClass {
  if (n.error || n.status === 0) return 'failed';
  if (n.status >= 500) return '5xx';
  if (n.status >= 400) return '4xx';
  if (n.status >= 300) return '3xx';
  if (n.status >= 200) return '2xx';
  return 'other';
}

export function isNetworkError(n: NetworkData): boolean {
  const c = statusClass(n);
  return c === '4xx' || c === '5xx' || c === 'failed';
}
