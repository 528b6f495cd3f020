/**
 * rrweb's replayer (~200 KB) is its own chunk, loaded on demand: the rest of the viewer parses
 * sooner, and the session page fetches it while the replay index and the first window of events
 * are on their way.
 */
export type ReplayModule = typeof import('@rrweb/replay');

let loading: Promise<ReplayModule> | null = null;

export function loadRrweb(): Promise<ReplayModule> {
  loading ??= import('@rrweb/replay');
  return loading;
}
