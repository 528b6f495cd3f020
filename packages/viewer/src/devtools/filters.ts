/** Filters for the console and network lists. */
import type { ConsoleData, ConsoleLevel, NetworkData } from '@reprise/protocol';
import { statusClass, type Entry, type StatusClass } from './model';
import { searchText } from './valueText';

export type LevelGroup = 'error' | 'warn' | 'info' | 'log' | 'debug';
export const LEVEL_GROUPS: LevelGroup[] = ['error', 'warn', 'info', 'log', 'debug'];

export function levelGroup(level: ConsoleLevel): LevelGroup {
  switch (level) {
    case 'error':
    case 'assert':
      return 'error';
    case 'warn':
      return 'warn';
    case 'info':
      return 'info';
    case 'debug':
    case 'trace':
      return 'debug';
    default:
      return 'log';
  }
}

const consoleTextCache = new WeakMap<ConsoleData, string>();

function consoleText(d: ConsoleData): string {
  let s = consoleTextCache.get(d);
  if (s === undefined) {
    s = d.args
      .flatMap((a) => searchText(a))
      .join(' ')
      .toLowerCase();
    consoleTextCache.set(d, s);
  }
  return s;
}

export function filterConsole(entries: Entry<ConsoleData>[], level: LevelGroup | 'all', text: string): Entry<ConsoleData>[] {
  const q = text.trim().toLowerCase();
  return entries.filter((e) => (level === 'all' || levelGroup(e.data.level) === level) && (!q || consoleText(e.data).includes(q)));
}

export type StatusFilter = 'all' | Exclude<StatusClass, 'other'>;
export const STATUS_FILTERS: StatusFilter[] = ['all', '2xx', '3xx', '4xx', '5xx', 'failed'];

export function filterNetwork(entries: Entry<NetworkData>[], status: StatusFilter, method: string, text: string): Entry<NetworkData>[] {
  const q = text.trim().toLowerCase();
  return entries.filter(
    (e) =>
      (status === 'all' || statusClass(e.data) === status) &&
      (method === 'all' || e.data.method.toUpperCase() === method) &&
      (!q || e.data.url.toLowerCase().includes(q)),
  );
}

export function methodsOf(entries: Entry<NetworkData>[]): string[] {
  return [...new Set(entries.map((e) => e.data.method.toUpperCase()))].sort();
}
