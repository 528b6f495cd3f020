/**
 * JSON text of the recorder's own data (events, batches, what it keeps in storage), immune to a
 * `toJSON` the page put on Array.prototype or Object.prototype. JSON.stringify calls those for
 * every array or object it meets: Prototype.js 1.6 defines Array#toJSON returning a string, so
 * every array of an event (a snapshot's childNodes…) went out as a string and the replay was
 * empty. While such a property is there, it is taken off for the call and put back at once, so
 * the page's own calls still get it. Primitives never look toJSON up, so only these two matter.
 */
// Taken when the recorder loads, before a page script could wrap them.
const stringify = JSON.stringify;
const hasOwn = Object.prototype.hasOwnProperty;
const getDescriptor = Object.getOwnPropertyDescriptor;
const define = Object.defineProperty;

export function toJson(value: unknown): string {
  if (!hasOwn.call(Array.prototype, 'toJSON') && !hasOwn.call(Object.prototype, 'toJSON')) return stringify(value);
  const saved: Array<[object, PropertyDescriptor]> = [];
  try {
    for (const proto of [Array.prototype, Object.prototype]) {
      const d = getDescriptor(proto, 'toJSON');
      // A non-configurable one can't be taken off: its page gets what it asked for.
      if (d?.configurable && delete (proto as { toJSON?: unknown }).toJSON) saved.push([proto, d]);
    }
    return stringify(value);
  } finally {
    for (const [proto, d] of saved) define(proto, 'toJSON', d);
  }
}
