import { OTLP_LIMITS, OtlpInputError } from './model.js';

/**
 * OTLP values in either encoding: the protobuf messages protobufjs decodes (bytes as Uint8Array,
 * 64-bit integers as Long objects or numbers) and the OTLP/JSON mapping (ids as hex strings,
 * 64-bit integers as decimal strings or numbers, enums as integers). Both go through these readers,
 * so the two content types keep exactly the same data.
 */

/** A Long as protobufjs makes it, or `{low, high}` as some JSON encoders write it. */
interface LongLike {
  low: number;
  high: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new OtlpInputError(`${what} must be an object`);
  return v;
}

export function asArray(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpInputError(`${what} must be an array`);
  return v;
}

export function asString(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new OtlpInputError(`${what} must be a string`);
  return cut(v);
}

/** An enum or int32: a number (JSON may also send its decimal string). */
export function asInt(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new OtlpInputError(`${what} must be an integer`);
  return n;
}

/** A fixed64/uint64 nanosecond time as epoch milliseconds (fractional). 0 when absent. */
export function nanosToMs(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new OtlpInputError(`${what} must be a non-negative integer`);
    return v / 1e6;
  }
  if (typeof v === 'string') {
    if (!/^\d{1,20}$/.test(v)) throw new OtlpInputError(`${what} must be a decimal integer`);
    return Number(BigInt(v) / 1000n) / 1000;
  }
  if (isLong(v)) return ((v.high >>> 0) * 2 ** 32 + (v.low >>> 0)) / 1e6;
  throw new OtlpInputError(`${what} must be an integer`);
}

function isLong(v: unknown): v is LongLike {
  return isObject(v) && typeof v.low === 'number' && typeof v.high === 'number';
}

/**
 * A trace or span id as lowercase hex: bytes (protobuf) or hex (JSON). Null when absent or all
 * zero (OTLP's "no id"); `bytes` is the required length (16 trace, 8 span); other lengths are null.
 */
export function idHex(v: unknown, bytes: 8 | 16): string | null {
  let hex: string;
  if (v === undefined || v === null || v === '') return null;
  if (v instanceof Uint8Array) hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  else if (typeof v === 'string') hex = v.toLowerCase();
  else return null;
  if (hex.length !== bytes * 2 || !/^[0-9a-f]+$/.test(hex) || /^0+$/.test(hex)) return null;
  return hex;
}

/** Cuts a string at the per-value cap, saying so. */
export function cut(s: string): string {
  return s.length > OTLP_LIMITS.maxString ? `${s.slice(0, OTLP_LIMITS.maxString)}…[cut]` : s;
}

/** An AnyValue as plain JSON: strings, numbers, booleans, arrays, objects; bytes as base64. */
export function anyValue(v: unknown, depth = 0): unknown {
  if (v === undefined || v === null) return null;
  const o = asObject(v, 'AnyValue');
  if (depth > OTLP_LIMITS.maxDepth) return '[too deep]';
  if (o.stringValue != null) return asString(o.stringValue, 'stringValue');
  if (o.boolValue != null) return o.boolValue === true;
  if (o.intValue != null) return int64(o.intValue);
  if (o.doubleValue != null) {
    const d = typeof o.doubleValue === 'string' ? Number(o.doubleValue) : o.doubleValue;
    if (typeof d !== 'number') throw new OtlpInputError('doubleValue must be a number');
    return Number.isFinite(d) ? d : String(d);
  }
  if (o.arrayValue != null) {
    return asArray(asObject(o.arrayValue, 'arrayValue').values, 'arrayValue.values')
      .slice(0, OTLP_LIMITS.maxAttributes)
      .map((x) => anyValue(x, depth + 1));
  }
  if (o.kvlistValue != null) return keyValues(asObject(o.kvlistValue, 'kvlistValue').values, depth + 1);
  if (o.bytesValue != null) {
    const b = o.bytesValue;
    if (b instanceof Uint8Array) return cut(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));
    return asString(b, 'bytesValue');
  }
  return null;
}

/** An int64: a number when it is exact, else its decimal string. */
function int64(v: unknown): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (!/^-?\d{1,20}$/.test(v)) throw new OtlpInputError('intValue must be a decimal integer');
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  if (isLong(v)) {
    const big = (BigInt(v.high) << 32n) | BigInt(v.low >>> 0);
    const n = Number(big);
    return Number.isSafeInteger(n) ? n : big.toString();
  }
  throw new OtlpInputError('intValue must be an integer');
}

/** A KeyValue list as an object (later duplicates win), at most maxAttributes keys. */
export function keyValues(list: unknown, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const kv of asArray(list, 'attributes')) {
    const o = asObject(kv, 'KeyValue');
    const key = asString(o.key, 'key');
    if (!(key in out) && ++n > OTLP_LIMITS.maxAttributes) break;
    Object.defineProperty(out, key, { value: anyValue(o.value, depth), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
