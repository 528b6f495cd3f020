/**
 * The events loaded so far while a session's windows stream in (player/useSessionEvents.ts):
 * merged by time, rrweb events of later windows handed to the player at once, and published to
 * React at most every PUBLISH_EVERY_MS. Nothing is published once the load is aborted.
 */
import { startTransition } from 'react';
import type { ReplayEvent } from '@reprise/protocol';
import { endMarker, splitEvents, type RrwebEvent, type Timeline } from './timeline';

/** Devtools re-render at most this often while windows stream in. */
const PUBLISH_EVERY_MS = 250;

export interface StreamedLogOutput {
  loaded(log: Timeline): void;
  loadedCount(received: number): void;
  complete(): void;
  dom(events: RrwebEvent[]): void;
}

export class StreamedLog {
  private log: Timeline | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly signal: AbortSignal,
    private readonly out: StreamedLogOutput,
  ) {}

  /** The first window's timeline: later windows merge into it. */
  begin(first: Timeline): void {
    this.log = first;
  }

  /** A loaded window's events (SessionLoader's receive callback); `received` counts every event so far. */
  readonly receive = (events: ReplayEvent[], received: number): void => {
    const log = this.log;
    if (!log) return;
    const { dom, other, unreadable } = splitEvents(events);
    this.log = {
      ...log,
      dom: mergeByTime(log.dom, dom, (e) => e.timestamp),
      other: mergeByTime(log.other, other, (e) => e.t),
      unreadable: log.unreadable + unreadable,
    };
    this.out.dom(dom);
    this.out.loadedCount(received);
    this.timer ??= setTimeout(() => this.publish(), PUBLISH_EVERY_MS);
  };

  /**
   * Every window is in: the end marker to the player, then the whole log published together with
   * `complete` (which live streaming builds on), in a transition like the others: rebuilding the
   * panels and markers from the whole log is the longest render of the load, and yields to a seek.
   */
  finish(): void {
    if (!this.log || this.signal.aborted) return;
    const end = endOf(this.log);
    if (end) this.out.dom([end]);
    startTransition(() => {
      this.publish();
      this.out.complete();
    });
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private publish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.log;
    if (!next || this.signal.aborted) return;
    // A transition: rebuilding the panels and markers yields to a seek or a frame of playback.
    startTransition(() => this.out.loaded({ ...next }));
  }
}

/** The marker at the session's true end, when events of other kinds come after the last DOM event. */
function endOf(log: Timeline): RrwebEvent | null {
  const lastDom = log.dom[log.dom.length - 1]?.timestamp ?? -Infinity;
  const lastOther = log.other[log.other.length - 1]?.t ?? -Infinity;
  return endMarker(lastDom, Math.max(lastOther, log.startTime + log.durationMs));
}

/** Merges two lists sorted by `key`; on ties the existing entries stay first. */
function mergeByTime<T>(a: T[], b: T[], key: (x: T) => number): T[] {
  if (b.length === 0) return a;
  if (a.length === 0 || key(a[a.length - 1]) <= key(b[0])) return a.concat(b);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && key(a[i]) <= key(b[j]))) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}
