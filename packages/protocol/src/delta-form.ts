/**
 * The delta form of a batch (`Content-Encoding: reprise-delta, deflate`; docs/ARCHITECTURE.md,
 * wire format). rrweb numbers every node it serializes in order, so a burst of added nodes or a
 * full snapshot is thousands of records that differ mostly in their ids: deflate pays two or three
 * bytes for each changed digit run. In the delta form, every integer value of an object member
 * named in DELTA_KEYS is written as its difference from the previous such value of a member of the
 * same name in the batch (the first from 0), so those records repeat byte for byte. Nothing else
 * changes: the transform works on the UTF-8 bytes of the JSON (it only reads ASCII, which UTF-8
 * never uses inside a multi-byte character) and is undone exactly by the server before parsing.
 *
 * A value takes part when it is written `"key":<integer>` (no space, as JSON.stringify writes it),
 * outside any string, as an integer literal (no fraction or exponent: those stay as they are both
 * ways). The encoder refuses (null) a batch holding, under those keys, an integer above 2^52 in
 * magnitude or written `-0`, so every batch it encodes decodes to the same bytes.
 *
 * The deflated delta form may be deflated once more, without a dictionary
 * (`Content-Encoding: reprise-delta, deflate, deflate`), when that is smaller. Deflate matches at
 * most 258 bytes and codes every match again, so a run of records that repeat byte for byte (which
 * the delta form makes of a burst of nodes or attribute changes) still costs a few bytes per record,
 * and the codes of those matches repeat with the records: the second pass takes them. Measured on
 * the payload benchmark's batches: 10000 nodes added then moved 32 KB to 3 KB a batch, 10000
 * attribute changes 27 KB to 8 KB, a 50000-node snapshot 112 KB to 37 KB; irregular batches (a
 * real checkout) gain nothing and stay deflated once.
 */

/** The content coding of the delta form; a body in it is then deflated: `Content-Encoding: reprise-delta, deflate`. */
export const DELTA_CODING = 'reprise-delta';

/** `Content-Encoding` of a delta-form body deflated against its dictionary. */
export const DELTA_ENCODING = `${DELTA_CODING}, deflate`;

/** `Content-Encoding` of a delta-form body deflated against its dictionary, then deflated again without one. */
export const DELTA_TWICE_ENCODING = `${DELTA_CODING}, deflate, deflate`;

/** How a batch body is deflated: plain JSON, its delta form, or its delta form deflated twice. */
export type DeflateCoding = 'deflate' | 'delta' | 'delta-twice';

/** The deflate coding a batch `Content-Encoding` names (case and spaces aside), or null for any other. */
export function deflateCodingOf(contentEncoding: string): DeflateCoding | null {
  const enc = contentEncoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .join(',');
  if (enc === 'deflate') return 'deflate';
  if (enc === `${DELTA_CODING},deflate`) return 'delta';
  if (enc === `${DELTA_CODING},deflate,deflate`) return 'delta-twice';
  return null;
}

/** Members whose integer values are delta-coded: rrweb node ids, and the clocks. */
export const DELTA_KEYS = ['id', 'parentId', 'nextId', 'previousId', 'rootId', 'nodeId', 't', 'timestamp'] as const;

const MAX_VALUE = 2 ** 52;
const MAX_DELTA = Number.MAX_SAFE_INTEGER;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const KEY_BYTES: Uint8Array[] = DELTA_KEYS.map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)));
const MAX_KEY = Math.max(...KEY_BYTES.map((k) => k.length));

/** A delta-form body the server cannot turn back into the batch (answered 400 `bad_delta`). */
export class DeltaFormError extends Error {}

type Mode = 'encode' | 'encode-lenient' | 'decode';

function keyAt(bytes: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len > MAX_KEY) return -1;
  outer: for (let k = 0; k < KEY_BYTES.length; k++) {
    const key = KEY_BYTES[k]!;
    if (key.length !== len) continue;
    for (let i = 0; i < len; i++) if (bytes[start + i] !== key[i]) continue outer;
    return k;
  }
  return -1;
}

class Output {
  buf: Uint8Array;
  len = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size + 1024);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    // Most runs between two ids are short: a loop beats making a subarray for each.
    if (n < 64) {
      const buf = this.buf;
      let o = this.len;
      for (let i = start; i < end; i++) buf[o++] = src[i]!;
    } else this.buf.set(src.subarray(start, end), this.len);
    this.len += n;
  }
  /** Writes a safe integer's decimal digits (what String(v) gives). */
  integer(v: number): void {
    this.room(17);
    const buf = this.buf;
    if (v < 0) {
      buf[this.len++] = MINUS;
      v = -v;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    let o = this.len + digits;
    this.len = o;
    do {
      buf[--o] = ZERO + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
  }
}

/**
 * Runs over the JSON bytes once: `encode` writes deltas (null if some value can't be coded),
 * `encode-lenient` leaves such values as they are (for dictionary text, which may be cut
 * anywhere), `decode` turns deltas back into values (throws DeltaFormError on one out of range).
 */
function transform(bytes: Uint8Array, mode: Mode, maxBytes = Infinity): Uint8Array | null {
  const out = new Output(bytes.length + (mode === 'decode' ? bytes.length >> 3 : 0));
  const prev = new Array<number>(KEY_BYTES.length).fill(0);
  const n = bytes.length;
  let copied = 0;
  let i = 0;
  while (i < n) {
    if (bytes[i] !== QUOTE) {
      i++;
      continue;
    }
    // A string: find its end, then whether it is one of the keys, followed by ':'.
    const start = i + 1;
    let j = start;
    while (j < n && bytes[j] !== QUOTE) j += bytes[j] === BACKSLASH ? 2 : 1;
    i = j + 1;
    if (j >= n || bytes[i] !== COLON) continue;
    const k = keyAt(bytes, start, j);
    if (k < 0) continue;
    // The literal after the colon.
    const numStart = i + 1;
    let p = numStart;
    if (bytes[p] === MINUS) p++;
    const digitsStart = p;
    while (p < n && bytes[p]! >= ZERO && bytes[p]! <= NINE) p++;
    const digits = p - digitsStart;
    if (digits === 0) continue; // a string, object, null…: not coded
    const next = bytes[p];
    // 1.5, 1e3: not an integer literal, left as it is both ways (a delta is always an integer).
    if (next === 0x2e || next === 0x65 || next === 0x45) continue;
    const leadingZero = bytes[digitsStart] === ZERO && digits > 1;
    const minusZero = digitsStart > numStart && digits === 1 && bytes[digitsStart] === ZERO;
    const canonical = digits <= 16 && !leadingZero && !minusZero;
    let v = 0;
    for (let d = digitsStart; d < p; d++) v = v * 10 + (bytes[d]! - ZERO);
    if (digitsStart > numStart) v = -v;
    let coded: number;
    if (mode === 'decode') {
      if (!canonical || Math.abs(v) > MAX_DELTA) throw new DeltaFormError('a delta is not a canonical integer in range');
      coded = prev[k]! + v;
      if (Math.abs(coded) > MAX_VALUE) throw new DeltaFormError('a delta-coded value is out of range');
      prev[k] = coded;
    } else {
      if (!canonical || Math.abs(v) > MAX_VALUE) {
        if (mode === 'encode') return null;
        continue;
      }
      coded = v - prev[k]!;
      prev[k] = v;
    }
    out.copy(bytes, copied, numStart);
    out.integer(coded);
    copied = p;
    i = p;
    if (out.len > maxBytes) return null;
  }
  out.copy(bytes, copied, n);
  if (out.len > maxBytes) return null;
  return out.buf.subarray(0, out.len);
}

/** The delta form of a batch's JSON bytes, or null when it holds a value the form can't carry (send it as it is). */
export function encodeDeltaForm(json: Uint8Array): Uint8Array | null {
  return transform(json, 'encode');
}

/**
 * The batch JSON bytes of a delta-form body, or null when they would exceed `maxBytes` (values
 * may be longer than their deltas); throws DeltaFormError when it is not a delta-form body.
 */
export function decodeDeltaForm(body: Uint8Array, maxBytes = Infinity): Uint8Array | null {
  return transform(body, 'decode', maxBytes);
}

/**
 * The delta form of a dictionary reference (the first bytes of a stored batch's NDJSON, cut
 * anywhere): values it can't carry stay as they are. Recorder and server apply it to the same
 * bytes, so their dictionaries agree.
 */
export function deltaFormReference(reference: Uint8Array): Uint8Array {
  return transform(reference, 'encode-lenient')!;
}
