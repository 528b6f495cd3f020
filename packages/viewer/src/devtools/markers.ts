/** Scrub-bar markers and the moments the previous/next error buttons step between. */
import type { RecorderNotice } from '@reprise/protocol';
import type { Timeline } from '../player/timeline';
import { isNetworkError, type Devtools } from './model';
import { backendErrorMoments, type TraceIndex } from './traces';

export type MarkerKind =
  | 'error'
  | 'network-error'
  | 'backend-error'
  | 'console-error'
  | 'nav'
  | 'click'
  | 'custom'
  | 'notice'
  | 'feedback'
  | 'unreadable'
  | 'comment';

export interface Marker {
  kind: MarkerKind;
  offset: number;
  /** Tooltip text. */
  label: string;
  /** A comment's marker opens that comment. */
  commentId?: string;
}

/** Comment markers, drawn over every other kind. */
export function commentMarkers(comments: { id: string; offsetMs: number; text: string; authorEmail: string | null }[]): Marker[] {
  return comments.map((c) => ({
    kind: 'comment',
    offset: c.offsetMs,
    label: `${c.authorEmail ?? 'Comment'}: ${c.text || '(sketch)'}`,
    commentId: c.id,
  }));
}

// rrweb: EventType.IncrementalSnapshot = 3, IncrementalSource.MouseInteraction = 2, MouseInteractions.Click = 2.
const RRWEB_INCREMENTAL = 3;
const RRWEB_MOUSE_INTERACTION = 2;
const RRWEB_CLICK = 2;

/** Clicks beyond this many are not drawn: the bar would be solid and rendering slow. */
const MAX_CLICK_MARKERS = 300;

function path(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

/** What a recorder notice means for the replay, as its marker's tooltip. */
export function noticeLabel(n: RecorderNotice): string {
  const count = n.records.toLocaleString('en-US');
  const limit = n.limit.toLocaleString('en-US');
  switch (n.code) {
    case 'console-flood':
      return `Recorder: console flood, ${count} console messages from here not recorded (kept ${limit} a second)`;
    case 'error-flood':
      return `Recorder: error flood, ${count} errors from here not recorded (kept ${limit} a second)`;
    default:
      return `Recorder: ${count} DOM changes at once (limit ${limit}), recorded as a fresh snapshot; the replay jumps to it`;
  }
}

/** `traces`: the backend traces that arrived, whose errors are marked at their request. */
export function buildMarkers(dt: Devtools, timeline: Timeline, traces?: TraceIndex): Marker[] {
  const markers: Marker[] = [];
  if (traces) for (const m of backendErrorMoments(dt.network, traces)) markers.push({ kind: 'backend-error', ...m });
  for (const e of dt.errors) markers.push({ kind: 'error', offset: e.offset, label: `Error: ${e.data.message}` });
  for (const e of dt.network) {
    if (!isNetworkError(e.data)) continue;
    const status = e.data.status || e.data.error || 'failed';
    markers.push({ kind: 'network-error', offset: e.offset, label: `${e.data.method} ${path(e.data.url)} → ${status}` });
  }
  for (const e of dt.console) {
    if (e.data.level !== 'error' && e.data.level !== 'assert') continue;
    const first = e.data.args[0];
    const text = first?.type === 'string' ? first.value : first?.type === 'error' ? first.message : '';
    markers.push({ kind: 'console-error', offset: e.offset, label: `console.${e.data.level} ${text}`.trim() });
  }
  for (const e of dt.feedback) markers.push({ kind: 'feedback', offset: e.offset, label: `Feedback: ${e.data.message}` });
  for (const e of dt.customEvents) markers.push({ kind: 'custom', offset: e.offset, label: `Event: ${e.data.name}` });
  for (const e of dt.notices) markers.push({ kind: 'notice', offset: e.offset, label: noticeLabel(e.data) });
  for (const e of dt.navs) markers.push({ kind: 'nav', offset: e.offset, label: `Navigated to ${e.data.url}` });
  for (const e of dt.unreadable) markers.push({ kind: 'unreadable', offset: e.offset, label: `Unreadable ${e.data.kind} event` });
  let clicks = 0;
  for (const ev of timeline.dom) {
    const d = ev.data as { source?: unknown; type?: unknown } | null;
    if (ev.type !== RRWEB_INCREMENTAL || d?.source !== RRWEB_MOUSE_INTERACTION || d.type !== RRWEB_CLICK) continue;
    if (++clicks > MAX_CLICK_MARKERS) break;
    markers.push({ kind: 'click', offset: ev.timestamp - timeline.startTime, label: 'Click' });
  }
  // Draw the most important kinds last so they sit on top.
  const rank: Record<MarkerKind, number> = {
    click: 0,
    unreadable: 0,
    nav: 1,
    custom: 2,
    notice: 2,
    'console-error': 3,
    'network-error': 4,
    'backend-error': 5,
    error: 6,
    feedback: 7,
    comment: 8,
  };
  return markers.sort((a, b) => rank[a.kind] - rank[b.kind] || a.offset - b.offset);
}

/**
 * Error-like moments for the previous/next buttons: uncaught JS errors and failed or
 * 4xx/5xx requests. Console errors are left out on purpose: apps and frameworks log them
 * liberally (often duplicating a real error), so stepping through them is mostly noise.
 */
export function errorMoments(dt: Devtools): number[] {
  const out = dt.errors.map((e) => e.offset);
  for (const e of dt.network) if (isNetworkError(e.data)) out.push(e.offset);
  return [...new Set(out.map((o) => Math.max(0, Math.min(o, dt.durationMs))))].sort((a, b) => a - b);
}

/** The last moment strictly before `now` (1 ms tolerance so a repeated press keeps moving). */
export function prevMoment(moments: number[], now: number): number | null {
  for (let i = moments.length - 1; i >= 0; i--) if (moments[i] < now - 1) return moments[i];
  return null;
}

export function nextMoment(moments: number[], now: number): number | null {
  for (const m of moments) if (m > now + 1) return m;
  return null;
}
