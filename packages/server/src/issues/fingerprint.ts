import { createHash } from 'node:crypto';
import type { ResolvedFrame, StackFrame } from '@reprise/protocol';
import { messageKey } from '../ingest/normalize.js';

/**
 * An error's grouping key (docs/issues.md): its type, its message normalised, and its top
 * in-app frames. Pure: ingest hands it frames already resolved through source maps where a map
 * exists (issues/occurrences.ts), minified frames otherwise.
 */

/** How many frames from the top of the stack take part. */
export const FINGERPRINT_FRAMES = 3;
const MAX_MESSAGE = 300;

/** One stack frame as grouping sees it: the original function and file when a map resolved it. */
export interface GroupingFrame {
  /** Function name (original name from the map when resolved); null when the frame has none. */
  functionName: string | null;
  /** Original source path when resolved, else the script URL; null for native or anonymous code. */
  file: string | null;
  /** True when a source map resolved this frame. */
  resolved: boolean;
  /** What stack parsing said: an http(s) script that is not the recorder (sourcemaps/parse-stack.ts). */
  inApp: boolean;
}

/** A parsed frame, or one resolution gave an original position, as grouping sees it. */
export function groupingFrame(f: StackFrame | ResolvedFrame): GroupingFrame {
  const o = 'original' in f ? f.original : undefined;
  // A name the map did not supply is the printed (minified) one, which changes with every build:
  // the frame then counts by its original file alone.
  return o
    ? { functionName: o.fn !== null && o.fn !== f.fn ? o.fn : null, file: o.file, resolved: true, inApp: f.inApp }
    : { functionName: f.fn, file: f.file, resolved: false, inApp: f.inApp };
}

export interface GroupingInput {
  name: string | null;
  message: string;
  /** Top frame first. */
  frames: GroupingFrame[];
}

/**
 * The message with what varies per occurrence replaced: URLs become `<url>`, then messageKey
 * (ingest/normalize.ts) turns quoted values into `<s>`, UUIDs and long hex ids into `<id>` and
 * numbers into `<n>`. Identifier-like quoted names (`'total'`) stay: they tell bugs apart.
 */
export function normalizeMessage(message: string): string {
  const noUrls = message.replace(/\b(?:https?|wss?|file|blob|data):[^\s'"`)\]]+/gi, '<url>');
  return messageKey(noUrls).replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE);
}

/** Code the application did not write: dependencies, browser extensions, the browser itself. */
export function isInApp(frame: GroupingFrame): boolean {
  const f = frame.file;
  if (!f || !frame.inApp) return false;
  if (/(^|[/\\])node_modules[/\\]/.test(f) || /^webpack:\/\/\/?(\(webpack\)|webpack)\//.test(f)) return false;
  if (/^(chrome|moz|safari(-web)?|ms-browser)-extension:/i.test(f)) return false;
  return !/^(<anonymous>|native|\[native code\]|eval)$/i.test(f);
}

/**
 * A frame's file with what changes between deploys removed: a resolved source keeps its path
 * without the bundler's scheme (`webpack://app/./src/a.ts` → `src/a.ts`); a script URL keeps
 * only its path, without query, fragment or content hash (`/assets/main.3f9a2c1b.js` →
 * `/assets/main.<hash>.js`).
 */
export function normalizeFile(frame: GroupingFrame): string {
  const f = frame.file ?? '';
  if (frame.resolved) {
    return f
      .replace(/^[a-z][\w+.-]*:\/\/[^/]*\//i, '')
      .replace(/^(\.\.?\/)+/, '')
      .replace(/[?#].*$/, '');
  }
  let path = f;
  try {
    path = new URL(f).pathname;
  } catch {
    path = f.replace(/[?#].*$/, '');
  }
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1).replace(/(^|[.-])(?=[0-9a-z_]*\d)(?=[0-9a-z_]*[a-z])[0-9a-z_]{6,}(?=\.)/gi, '$1<hash>');
  return path.slice(0, slash + 1) + base;
}

/** The frames that take part: the top in-app ones, or the top ones when none is in-app. */
export function groupingFrames(frames: GroupingFrame[]): GroupingFrame[] {
  const inApp = frames.filter(isInApp);
  return (inApp.length > 0 ? inApp : frames).slice(0, FINGERPRINT_FRAMES);
}

/** The parts a fingerprint hashes, readable (tests and docs show them). */
export function fingerprintParts(input: GroupingInput): string[] {
  const frames = groupingFrames(input.frames).map((f) => `${f.functionName ?? '?'}@${normalizeFile(f)}`);
  return [input.name?.trim() || 'Error', normalizeMessage(input.message), ...frames];
}

/** The grouping key: 32 hex characters of the SHA-256 of the parts. */
export function fingerprint(input: GroupingInput): string {
  return createHash('sha256')
    .update(JSON.stringify(fingerprintParts(input)))
    .digest('hex')
    .slice(0, 32);
}

/** An error's issue grouping: its fingerprint, and the type and message the issue shows. */
export function issueOf(
  name: string | null,
  message: string,
  frames: GroupingFrame[],
): { fingerprint: string; type: string; message: string } {
  const input = { name, message, frames };
  return { fingerprint: fingerprint(input), type: name?.trim() || 'Error', message: normalizeMessage(message) };
}
