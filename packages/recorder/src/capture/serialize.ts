/**
 * Turns any page value into a bounded, JSON-safe SerializedValue tree. Runs on
 * values the page hands us (console arguments, rejection reasons), which may be
 * huge, circular, hostile proxies or objects whose getters throw: it never throws,
 * never calls toJSON, and stops at depth / key / string / byte caps.
 */
import type { SerializedValue } from '@reprise/protocol';
import { domValue, isNode } from './dom-value.js';

export interface SerializeCaps {
  /** Nesting levels descended into (default 6). */
  depth: number;
  /** Keys per object, items per array / Map / Set (default 50). */
  keys: number;
  /** Characters kept of one string (default 10 000). */
  stringChars: number;
  /** Approximate serialized bytes for the whole value (or message); default 64 KiB. */
  bytes: number;
}

export const DEFAULT_CAPS: SerializeCaps = { depth: 6, keys: 50, stringChars: 10_000, bytes: 64 * 1024 };

/**
 * Redaction while serializing (console arguments, rejection reasons): a value under a sensitive
 * key (object property, string Map key) is never read, and free text loses `key=value` /
 * `"key": value` secrets (capture/privacy.ts).
 */
export interface SerializeRedaction {
  key(k: string): boolean;
  text(s: string): string;
}

const REDACTED_VALUE: SerializedValue = { type: 'string', value: '[redacted]' };

/** Shared byte budget, so several console arguments together stay under one cap. */
export interface Budget {
  remaining: number;
}

function errMessage(err: unknown): string {
  try {
    if (err && typeof err === 'object' && 'message' in err) {
      const m = (err as { message: unknown }).message;
      if (typeof m === 'string') return m.slice(0, 500);
    }
    return String(err).slice(0, 500);
  } catch {
    return 'unreadable error';
  }
}

function thrown(err: unknown): SerializedValue {
  return { type: 'thrown', message: errMessage(err) };
}

function cut(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

function className(v: object): string | undefined {
  try {
    const proto = Object.getPrototypeOf(v) as { constructor?: unknown } | null;
    if (proto === null) return undefined;
    if (proto === Object.prototype) return undefined;
    const desc = Object.getOwnPropertyDescriptor(proto, 'constructor');
    const ctor = desc && 'value' in desc ? desc.value : undefined;
    if (typeof ctor === 'function') {
      const nd = Object.getOwnPropertyDescriptor(ctor, 'name');
      const name = nd && typeof nd.value === 'string' ? nd.value : '';
      if (name) return cut(name, 100);
    }
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    return tag && tag !== 'Object' ? cut(tag, 100) : undefined;
  } catch {
    return undefined;
  }
}

function fnName(f: unknown): string {
  try {
    const d = Object.getOwnPropertyDescriptor(f, 'name');
    return d && typeof d.value === 'string' ? cut(d.value, 200) : '';
  } catch {
    return '';
  }
}

function keyLabel(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

class Serializer {
  private readonly ancestors: object[] = [];
  private readonly paths: string[] = [];

  constructor(
    private readonly caps: SerializeCaps,
    private readonly budget: Budget,
    private readonly redact: SerializeRedaction | undefined,
  ) {}

  private text(s: string): string {
    return this.redact ? this.redact.text(s) : s;
  }

  private charge(n: number): boolean {
    this.budget.remaining -= n;
    return this.budget.remaining >= 0;
  }

  private str(raw: string): SerializedValue {
    const s = this.text(raw);
    const max = Math.max(0, Math.min(this.caps.stringChars, this.budget.remaining));
    if (s.length <= max) {
      this.charge(s.length + 16);
      return { type: 'string', value: s };
    }
    this.charge(max + 24);
    return { type: 'string', value: s.slice(0, max), truncated: s.length };
  }

  value(v: unknown, depth: number, path: string): SerializedValue {
    if (this.budget.remaining <= 0) return { type: 'capped', reason: 'bytes' };
    try {
      switch (typeof v) {
        case 'string':
          return this.str(v);
        case 'number':
          this.charge(24);
          if (Number.isNaN(v)) return { type: 'number', value: 'NaN' };
          if (v === Infinity) return { type: 'number', value: 'Infinity' };
          if (v === -Infinity) return { type: 'number', value: '-Infinity' };
          return { type: 'number', value: v };
        case 'boolean':
          this.charge(24);
          return { type: 'boolean', value: v };
        case 'undefined':
          this.charge(20);
          return { type: 'undefined' };
        case 'bigint':
          this.charge(24);
          return { type: 'bigint', value: cut(v.toString(), 1000) };
        case 'symbol': {
          let d = '';
          try {
            d = v.description ?? '';
          } catch {
            /* keep empty */
          }
          this.charge(24 + d.length);
          return { type: 'symbol', value: `Symbol(${cut(d, 200)})` };
        }
        case 'function': {
          const name = fnName(v);
          this.charge(24 + name.length);
          return { type: 'function', name };
        }
        default:
          break;
      }
      if (v === null) {
        this.charge(16);
        return { type: 'null' };
      }
      return this.object(v as object, depth, path);
    } catch (err) {
      this.charge(32);
      return thrown(err);
    }
  }

  private object(o: object, depth: number, path: string): SerializedValue {
    const at = this.ancestors.indexOf(o);
    if (at >= 0) {
      this.charge(32);
      return { type: 'circular', path: this.paths[at] };
    }
    this.charge(24);
    if (isNode(o)) {
      const d = domValue(o, thrown);
      if (d.type === 'dom') this.charge(d.html.length + d.selector.length);
      return d;
    }
    if (o instanceof Date) {
      const t = Date.prototype.getTime.call(o);
      return { type: 'date', value: Number.isNaN(t) ? 'Invalid Date' : new Date(t).toISOString() };
    }
    if (o instanceof RegExp) {
      return { type: 'regexp', value: cut(RegExp.prototype.toString.call(o), 1000) };
    }
    if (o instanceof Error) return this.error(o);
    if (depth >= this.caps.depth) return { type: 'capped', reason: 'depth', className: className(o) };

    this.ancestors.push(o);
    this.paths.push(path);
    try {
      if (Array.isArray(o)) return this.array(o, depth, path);
      if (ArrayBuffer.isView(o) && !(o instanceof DataView)) return this.typed(o as unknown as ArrayLike<number>);
      if (o instanceof Map) return this.map(o, depth, path);
      if (o instanceof Set) return this.set(o, depth, path);
      return this.plain(o, depth, path);
    } finally {
      this.ancestors.pop();
      this.paths.pop();
    }
  }

  private error(e: Error): SerializedValue {
    const read = (k: 'name' | 'message' | 'stack'): string | undefined => {
      try {
        const v = (e as unknown as Record<string, unknown>)[k];
        return typeof v === 'string' ? v : undefined;
      } catch {
        return undefined;
      }
    };
    const name = cut(read('name') ?? 'Error', 200);
    const message = this.text(cut(read('message') ?? '', this.caps.stringChars));
    const rawStack = read('stack');
    const stack = rawStack === undefined ? undefined : this.text(rawStack);
    const out: SerializedValue = { type: 'error', name, message };
    if (stack) out.stack = cut(stack, 8000);
    this.charge(name.length + message.length + (out.stack?.length ?? 0));
    return out;
  }

  private array(a: unknown[], depth: number, path: string): SerializedValue {
    const length = a.length;
    const n = Math.min(length, this.caps.keys);
    const items: SerializedValue[] = [];
    for (let i = 0; i < n; i++) {
      if (this.budget.remaining <= 0) {
        items.push({ type: 'capped', reason: 'bytes' });
        break;
      }
      let item: unknown;
      try {
        item = a[i];
      } catch (err) {
        items.push(thrown(err));
        continue;
      }
      items.push(this.value(item, depth + 1, `${path}[${i}]`));
    }
    const out: SerializedValue = { type: 'array', length, items };
    if (length > items.length) out.truncated = length - items.length;
    return out;
  }

  private typed(a: ArrayLike<number>): SerializedValue {
    const length = a.length;
    const n = Math.min(length, this.caps.keys);
    const items: SerializedValue[] = [];
    for (let i = 0; i < n; i++) {
      const x = a[i] as unknown;
      items.push(typeof x === 'bigint' ? { type: 'bigint', value: x.toString() } : { type: 'number', value: Number(x) });
    }
    this.charge(n * 24);
    const out: SerializedValue = { type: 'array', length, items };
    if (length > n) out.truncated = length - n;
    return out;
  }

  private map(m: Map<unknown, unknown>, depth: number, path: string): SerializedValue {
    const size = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!.call(m) as number;
    const entries: [SerializedValue, SerializedValue][] = [];
    let i = 0;
    for (const [k, v] of Map.prototype.entries.call(m) as IterableIterator<[unknown, unknown]>) {
      if (i >= this.caps.keys || this.budget.remaining <= 0) break;
      const key = this.value(k, depth + 1, `${path}.<key ${i}>`);
      const hidden = key.type === 'string' && this.redact !== undefined && this.redact.key(key.value);
      entries.push([key, hidden ? REDACTED_VALUE : this.value(v, depth + 1, `${path}.<value ${i}>`)]);
      i++;
    }
    const out: SerializedValue = { type: 'map', size, entries };
    if (size > entries.length) out.truncated = size - entries.length;
    return out;
  }

  private set(s: Set<unknown>, depth: number, path: string): SerializedValue {
    const size = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!.call(s) as number;
    const items: SerializedValue[] = [];
    let i = 0;
    for (const v of Set.prototype.values.call(s) as IterableIterator<unknown>) {
      if (i >= this.caps.keys || this.budget.remaining <= 0) break;
      items.push(this.value(v, depth + 1, `${path}.<item ${i}>`));
      i++;
    }
    const out: SerializedValue = { type: 'set', size, items };
    if (size > items.length) out.truncated = size - items.length;
    return out;
  }

  private plain(o: object, depth: number, path: string): SerializedValue {
    const cls = className(o);
    let keys: string[];
    try {
      keys = Object.keys(o);
    } catch (err) {
      return thrown(err);
    }
    const entries: [string, SerializedValue][] = [];
    const n = Math.min(keys.length, this.caps.keys);
    for (let i = 0; i < n; i++) {
      if (this.budget.remaining <= 0) {
        entries.push(['…', { type: 'capped', reason: 'bytes' }]);
        break;
      }
      const k = cut(String(keys[i]), 1000);
      this.charge(k.length + 8);
      if (this.redact && this.redact.key(k)) {
        // Not even read: a getter behind a secret's name is not called.
        entries.push([k, REDACTED_VALUE]);
        continue;
      }
      let v: unknown;
      try {
        v = (o as Record<string, unknown>)[keys[i]];
      } catch (err) {
        entries.push([k, thrown(err)]);
        continue;
      }
      entries.push([k, this.value(v, depth + 1, path + keyLabel(k))]);
    }
    const out: SerializedValue = { type: 'object', entries };
    if (cls) out.className = cls;
    const shown = entries.length;
    if (keys.length > shown) out.truncated = keys.length - shown;
    return out;
  }
}

/** Never throws. `budget` may be shared across calls (one console message's arguments). */
export function serialize(
  value: unknown,
  caps: Partial<SerializeCaps> = {},
  budget?: Budget,
  redact?: SerializeRedaction,
): SerializedValue {
  try {
    const c: SerializeCaps = { ...DEFAULT_CAPS, ...caps };
    const b = budget ?? { remaining: c.bytes };
    return new Serializer(c, b, redact).value(value, 0, '$');
  } catch (err) {
    return thrown(err);
  }
}

/** Serializes a console message's arguments under one shared byte budget. */
export function serializeArgs(args: readonly unknown[], caps: Partial<SerializeCaps> = {}, redact?: SerializeRedaction): SerializedValue[] {
  const c: SerializeCaps = { ...DEFAULT_CAPS, ...caps };
  const budget: Budget = { remaining: c.bytes };
  const out: SerializedValue[] = [];
  let exhausted = false;
  for (let i = 0; i < args.length; i++) {
    if (budget.remaining <= 0) {
      // One marker for everything past the budget, not one per argument.
      if (!exhausted) out.push({ type: 'capped', reason: 'bytes' });
      exhausted = true;
      break;
    }
    out.push(serialize(args[i], c, budget, redact));
  }
  return out;
}
