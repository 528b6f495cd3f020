/**
 * Splits the timeline's non-dom events into what each devtools tab lists, each entry
 * carrying its `offset` on the player clock (ms since the replay's first rrweb event).
 */
import type {
  ConsoleData,
  CustomData,
  EnvData,
  ErrorData,
  NavData,
  NetworkData,
  ReplayEvent,
  VitalData,
} from '@reprise/protocol';
import type { Timeline } from '../player/timeline';

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
  /** The latest environment snapshot, if any. */
  env: EnvData | null;
  startTime: number;
  durationMs: number;
}

/**
 * A request's start on the session clock. `startedAt` is epoch ms like `t`; a value that
 * is clearly not an epoch (e.g. a performance.now() from an old recorder) falls back to `t`.
 */
function networkStart(ev: ReplayEvent<'network', NetworkData>): number {
  const s = ev.data.startedAt;
  return typeof s === 'number' && s > 1e11 ? s : ev.t;
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
    env: null,
    startTime: timeline.startTime,
    durationMs: timeline.durationMs,
  };
  const push = <D,>(list: Entry<D>[], t: number, data: D) =>
    list.push({ index: list.length, t, offset: t - timeline.startTime, data });

  for (const ev of timeline.other) {
    if (!ev.data || typeof ev.data !== 'object') continue;
    switch (ev.kind) {
      case 'console':
        push(out.console, ev.t, ev.data as ConsoleData);
        break;
      case 'network':
        push(out.network, networkStart(ev as ReplayEvent<'network', NetworkData>), ev.data as NetworkData);
        break;
      case 'error':
        push(out.errors, ev.t, ev.data as ErrorData);
        break;
      case 'nav':
        push(out.navs, ev.t, ev.data as NavData);
        break;
      case 'vital':
        push(out.vitals, ev.t, ev.data as VitalData);
        break;
      case 'env':
        out.env = ev.data as EnvData;
        break;
      case 'custom': {
        const d = ev.data as { type?: unknown; message?: unknown; name?: unknown };
        if (d.type === 'feedback' && typeof d.message === 'string') {
          push(out.feedback, ev.t, d as Extract<CustomData, { type: 'feedback' }>);
        } else if (d.type === 'event' && typeof d.name === 'string') {
          push(out.customEvents, ev.t, d as Extract<CustomData, { type: 'event' }>);
        }
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
