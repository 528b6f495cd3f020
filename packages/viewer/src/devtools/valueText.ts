/** One-line text for serialized console values: collapsed previews and text filtering. */
import type { SerializedValue } from '@reprise/protocol';

const MAX_PREVIEW_ITEMS = 5;

/** Primitive-ish values as the console would print them (strings unquoted at top level). */
export function scalarText(v: SerializedValue, quoteStrings: boolean): string | null {
  switch (v.type) {
    case 'string':
      return quoteStrings ? JSON.stringify(v.value) : v.value;
    case 'number':
    case 'boolean':
      return String(v.value);
    case 'null':
    case 'undefined':
      return v.type;
    case 'bigint':
      return `${v.value}n`;
    case 'symbol':
    case 'date':
    case 'regexp':
      return v.value;
    case 'function':
      return `ƒ ${v.name || 'anonymous'}()`;
    case 'error':
      return `${v.name}: ${v.message}`;
    case 'dom':
      return v.selector;
    case 'circular':
      return `[Circular ${v.path}]`;
    case 'capped':
      return `[${v.className ?? 'Object'}: not captured (${v.reason} limit)]`;
    case 'thrown':
      return `[Thrown: ${v.message}]`;
    default:
      return null;
  }
}

/** A short preview like `{a: 1, b: {…}}` or `Array(3) [1, 2, 3]`. */
export function previewText(v: SerializedValue, depth = 0): string {
  const s = scalarText(v, depth > 0);
  if (s !== null) return s;
  const nested = (x: SerializedValue) => (depth >= 1 && isContainer(x) ? containerLabel(x) : previewText(x, depth + 1));
  const more = (shown: number, total: number) => (total > shown ? ', …' : '');
  switch (v.type) {
    case 'array': {
      const items = v.items.slice(0, MAX_PREVIEW_ITEMS).map(nested);
      return `[${items.join(', ')}${more(items.length, v.length)}]`;
    }
    case 'set': {
      const items = v.items.slice(0, MAX_PREVIEW_ITEMS).map(nested);
      return `Set(${v.size}) {${items.join(', ')}${more(items.length, v.size)}}`;
    }
    case 'map': {
      const items = v.entries.slice(0, MAX_PREVIEW_ITEMS).map(([k, x]) => `${nested(k)} => ${nested(x)}`);
      return `Map(${v.size}) {${items.join(', ')}${more(items.length, v.size)}}`;
    }
    case 'object': {
      const items = v.entries.slice(0, MAX_PREVIEW_ITEMS).map(([k, x]) => `${k}: ${nested(x)}`);
      const total = v.entries.length + (v.truncated ?? 0);
      const prefix = v.className && v.className !== 'Object' ? `${v.className} ` : '';
      return `${prefix}{${items.join(', ')}${more(items.length, total)}}`;
    }
    default:
      return '';
  }
}

export function isContainer(v: SerializedValue): v is Extract<SerializedValue, { type: 'array' | 'object' | 'map' | 'set' }> {
  return v.type === 'array' || v.type === 'object' || v.type === 'map' || v.type === 'set';
}

export function containerLabel(v: SerializedValue): string {
  switch (v.type) {
    case 'array':
      return `Array(${v.length})`;
    case 'set':
      return `Set(${v.size})`;
    case 'map':
      return `Map(${v.size})`;
    case 'object':
      return v.className && v.className !== 'Object' ? v.className : '{…}';
    default:
      return '';
  }
}

/** All text in a value tree (keys and leaves), for the console text filter. */
export function searchText(v: SerializedValue, out: string[] = []): string[] {
  const s = scalarText(v, false);
  if (s !== null) {
    out.push(s);
    if (v.type === 'error' && v.stack) out.push(v.stack);
    if (v.type === 'dom') out.push(v.html);
    return out;
  }
  switch (v.type) {
    case 'array':
    case 'set':
      v.items.forEach((x) => searchText(x, out));
      break;
    case 'map':
      v.entries.forEach(([k, x]) => (searchText(k, out), searchText(x, out)));
      break;
    case 'object':
      v.entries.forEach(([k, x]) => (out.push(k), searchText(x, out)));
      break;
  }
  return out;
}
