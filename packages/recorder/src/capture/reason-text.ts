/**
 * The message of a rejection whose reason is neither a string nor an Error (errors.ts), from its
 * serialization (serialize.ts): in the capture chunk with it, since it only runs once that is there.
 */
import { serialize, type SerializeRedaction } from './serialize.js';

const MAX_MESSAGE = 4000;

export function reasonText(reason: unknown, redact: SerializeRedaction): string {
  const v = serialize(reason, { depth: 2, keys: 10, stringChars: 1000, bytes: 4096 }, undefined, redact);
  switch (v.type) {
    case 'string':
      return v.value;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
    case 'date':
    case 'regexp':
      return String(v.value);
    case 'null':
    case 'undefined':
      return v.type;
    default:
      try {
        return JSON.stringify(v).slice(0, MAX_MESSAGE);
      } catch {
        return 'unserializable rejection reason';
      }
  }
}
