/**
 * Preset dictionaries of `Content-Encoding: deflate` ingest bodies (docs/ARCHITECTURE.md,
 * wire format). A batch may be compressed against a dictionary made of
 *   - a static dictionary shipped in this package (`?dict=r1`), and optionally
 *   - a reference (`&ref=<sessionId>.<seq>`): an earlier batch of the same session that the
 *     server has stored, as the NDJSON of its events (the stored form, `toNdjsonLine`).
 * Consecutive page loads of a site repeat most of their full snapshot, so the reference
 * lets deflate send a new page as little more than its differences. Both sides build the
 * bytes with `presetDictionary`; the zlib header's DICTID (Adler-32) tells the server
 * whether its copy is the same.
 */
import { STATIC_DICTIONARY_R1 } from './static-dictionary.js';

/** Query parameters of a deflate batch: the static dictionary id, and the optional reference. */
export const DICT_PARAM = 'dict';
export const REF_PARAM = 'ref';

/** Static dictionary ids this version knows. A released dictionary never changes. */
export const STATIC_DICTIONARY_IDS = ['r1'] as const;
export type StaticDictionaryId = (typeof STATIC_DICTIONARY_IDS)[number];
/** What current recorders send. */
export const CURRENT_STATIC_DICTIONARY: StaticDictionaryId = 'r1';

/**
 * Length of a whole preset dictionary (static tail + reference head). zlib's compressor
 * never matches further back than 32 KiB − 262 bytes, so a longer one would be partly unusable.
 */
export const PRESET_DICTIONARY_MAX_BYTES = 32_000;
/** Bytes of a reference that go into the dictionary (its start: the page's full snapshot). */
export const REFERENCE_MAX_BYTES = 24_000;

/** `error` of the 422 answer when the server lacks (or has another version of) the named dictionary. */
export const DICTIONARY_UNAVAILABLE = 'dictionary_unavailable';

/** An earlier stored batch of the same session whose events seed the dictionary. */
export interface DictionaryRef {
  sessionId: string;
  seq: number;
}

export function formatDictionaryRef(ref: DictionaryRef): string {
  return `${ref.sessionId}.${ref.seq}`;
}

const REF_PATTERN = /^([A-Za-z0-9_-]{8,64})\.(0|[1-9][0-9]{0,15})$/;

/** Parses `<sessionId>.<seq>`; null when malformed. */
export function parseDictionaryRef(text: string): DictionaryRef | null {
  const m = REF_PATTERN.exec(text);
  if (!m) return null;
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? { sessionId: m[1]!, seq } : null;
}

export function isStaticDictionaryId(id: string): id is StaticDictionaryId {
  return (STATIC_DICTIONARY_IDS as readonly string[]).includes(id);
}

const STATIC_TEXTS: Record<StaticDictionaryId, string> = { r1: STATIC_DICTIONARY_R1 };
const staticBytes = new Map<StaticDictionaryId, Uint8Array>();

/** The bytes of a static dictionary (ASCII text, so one byte per character). */
export function staticDictionaryBytes(id: StaticDictionaryId): Uint8Array {
  let bytes = staticBytes.get(id);
  if (!bytes) {
    const text = STATIC_TEXTS[id];
    bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0x7f;
    staticBytes.set(id, bytes);
  }
  return bytes;
}

/**
 * The reference text of a batch: its events' JSON, one per line, each followed by "\n" (the
 * stored NDJSON). Stops once it is long enough to fill REFERENCE_MAX_BYTES (UTF-8 has at
 * least one byte per UTF-16 unit), so the caller cuts the exact bytes.
 */
export function referenceText(eventJson: Iterable<string>): string {
  let out = '';
  for (const line of eventJson) {
    // The line that fills it is cut rather than joined whole: a full snapshot is megabytes, and
    // joining then cutting copies all of it. One unit past the limit keeps the UTF-8 of the
    // first REFERENCE_MAX_BYTES exact even when the cut splits a surrogate pair.
    if (out.length + line.length >= REFERENCE_MAX_BYTES) return out + line.slice(0, REFERENCE_MAX_BYTES + 1 - out.length);
    out += line + '\n';
  }
  return out;
}

/**
 * The preset dictionary: the end of the static dictionary, then the first REFERENCE_MAX_BYTES
 * of the reference (UTF-8), PRESET_DICTIONARY_MAX_BYTES in all at most. The reference goes
 * last because its content is the likeliest to repeat, and the nearest matches are cheapest.
 */
export function presetDictionary(staticDict: Uint8Array, reference: Uint8Array | null): Uint8Array {
  const ref = reference ? reference.subarray(0, REFERENCE_MAX_BYTES) : new Uint8Array(0);
  const room = PRESET_DICTIONARY_MAX_BYTES - ref.length;
  const head = staticDict.subarray(Math.max(0, staticDict.length - room));
  const out = new Uint8Array(head.length + ref.length);
  out.set(head, 0);
  out.set(ref, head.length);
  return out;
}
