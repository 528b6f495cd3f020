/** Display helpers shared by the list and the player. */

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Human duration for lists and headers: "45s", "1m 05s", "2h 03m". */
export function humanDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${pad2(m)}m`;
  if (m > 0) return `${m}m ${pad2(s)}s`;
  return `${s}s`;
}

/** Player clock: "m:ss" (minutes keep counting past 59 so both sides line up). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(total / 60)}:${pad2(total % 60)}`;
}

let dateTimeFormat: Intl.DateTimeFormat | null = null;

/** Start time in the viewer's locale and time zone. */
export function localDateTime(epochMs: number): string {
  // toLocaleString builds a formatter on every call, which showed in the session page's profile
  // (bench/replay.ts): one is made once and kept.
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return dateTimeFormat.format(epochMs);
}

/** "Chrome · macOS · desktop", skipping what the server could not tell. */
export function environment(s: { browser: string | null; os: string | null; device: string | null }): string {
  return [s.browser, s.os, s.device].filter((v): v is string => !!v).join(' · ') || 'Unknown';
}

/** A request's duration or offset: milliseconds below a second, seconds above. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
