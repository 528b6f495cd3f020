import type { BodyCapture, SerializedValue } from '@reprise/protocol';
import { clip } from './budget.js';

/** A console argument or thrown value as short JavaScript-like text (strings bare at the top level). */
export function formatValue(v: SerializedValue, depth = 0): string {
  const nested = (x: SerializedValue) => (depth >= 3 ? '…' : formatValue(x, depth + 1));
  const more = (n: number | undefined) => (n ? `, …${n} more` : '');
  switch (v.type) {
    case 'string':
      return depth === 0 ? v.value : JSON.stringify(v.value);
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
    case 'date':
    case 'regexp':
      return String(v.value);
    case 'null':
      return 'null';
    case 'undefined':
      return 'undefined';
    case 'function':
      return `ƒ ${v.name}()`;
    case 'error':
      return `${v.name}: ${v.message}`;
    case 'dom':
      return v.selector;
    case 'array':
      return `[${v.items.map(nested).join(', ')}${more(v.truncated)}]`;
    case 'set':
      return `Set(${v.size}) {${v.items.map(nested).join(', ')}${more(v.truncated)}}`;
    case 'object':
      return `${v.className && v.className !== 'Object' ? `${v.className} ` : ''}{${v.entries.map(([k, x]) => `${k}: ${nested(x)}`).join(', ')}${more(v.truncated)}}`;
    case 'map':
      return `Map(${v.size}) {${v.entries.map(([k, x]) => `${nested(k)} => ${nested(x)}`).join(', ')}${more(v.truncated)}}`;
    case 'circular':
      return `[circular ${v.path}]`;
    case 'capped':
      return `[${v.className ?? 'value'} not captured: ${v.reason} cap]`;
    case 'thrown':
      return `[reading it threw: ${v.message}]`;
    default:
      return '?';
  }
}

/** A request or response body as stored (already redacted by the recorder), cut to `max` characters. */
export function formatBody(body: BodyCapture | null, max: number): string {
  if (!body) return '(not captured)';
  if (body.kind === 'omitted' || body.value === undefined) return `(not captured${body.reason ? `: ${body.reason}` : ''})`;
  const text = typeof body.value === 'string' ? body.value : JSON.stringify(body.value, null, 2);
  const notes = [body.size !== undefined ? `${body.size} bytes` : '', body.truncated ? 'cut by the recorder' : ''].filter(Boolean);
  return `(${body.kind}${notes.length ? `, ${notes.join(', ')}` : ''})\n${clip(text, max)}`;
}

export function formatHeaders(headers: Record<string, string> | undefined): string {
  const entries = Object.entries(headers ?? {});
  return entries.length ? entries.map(([k, v]) => `  ${k}: ${clip(v, 500)}`).join('\n') : '  (none captured)';
}

/** `TypeError: message`, unless the browser already put the name in the message ("Uncaught TypeError: …"). */
export function namedMessage(name: string | null | undefined, message: string): string {
  return name && !message.includes(`${name}:`) ? `${name}: ${message}` : message;
}
