/**
 * Suggestions for the search bar, from the query language's field list: field names (with
 * their descriptions) while a word is being typed, then the field's values after `field:`.
 * Pure functions over (text, caret) so the component only renders and applies them.
 */

export interface FieldInfo {
  name: string;
  description: string;
  examples: string[];
  values?: string[];
}

export interface Suggestion {
  kind: 'field' | 'value';
  /** What the list shows. */
  label: string;
  /** Grey text beside it: the field's description, or the field a value belongs to. */
  detail: string;
  /** Replaces text[from, to). */
  insert: string;
  from: number;
  to: number;
}

export interface Applied {
  text: string;
  caret: number;
}

const MAX = 8;

/** The word around the caret, split like the query tokenizer: at whitespace and parentheses outside double quotes (backslash escapes inside). */
export function wordAt(text: string, caret: number): { start: number; end: number } {
  let start = 0;
  let inQuote = false;
  for (let i = 0; i < caret; i++) {
    const c = text[i]!;
    if (inQuote && c === '\\') i++;
    else if (c === '"') inQuote = !inQuote;
    else if (!inQuote && (/\s/.test(c) || c === '(' || c === ')')) start = i + 1;
  }
  let end = caret;
  while (end < text.length) {
    const c = text[end]!;
    if (inQuote && c === '\\') end++;
    else if (c === '"') inQuote = !inQuote;
    else if (!inQuote && (/\s/.test(c) || c === '(' || c === ')')) break;
    end++;
  }
  return { start, end };
}

function quoteIfNeeded(value: string): string {
  return /[\s"():]/.test(value) || value === '' ? `"${value.replace(/"/g, '\\"')}"` : value;
}

export function suggest(text: string, caret: number, fields: readonly FieldInfo[], opts: { all?: boolean } = {}): Suggestion[] {
  const { start, end } = wordAt(text, caret);
  let nameStart = start;
  if (text[nameStart] === '-') nameStart++;
  const typed = text.slice(nameStart, caret);
  const colon = typed.indexOf(':');

  if (colon < 0) {
    // A field name is being typed (or, with `all`, the list was opened on an empty word).
    if (!/^([A-Za-z][A-Za-z0-9_]*)?$/.test(typed) || (typed === '' && !opts.all)) return [];
    const lower = typed.toLowerCase();
    const starts = fields.filter((f) => f.name.toLowerCase().startsWith(lower));
    return starts.slice(0, opts.all ? fields.length : MAX).map((f) => ({
      kind: 'field' as const,
      label: `${f.name}:`,
      detail: f.description,
      insert: `${f.name}:`,
      from: nameStart,
      to: end,
    }));
  }

  const name = typed.slice(0, colon).toLowerCase();
  const field = fields.find((f) => f.name.toLowerCase() === name);
  if (!field) return [];
  const valueFrom = nameStart + colon + 1;
  const typedValue = text.slice(valueFrom, caret).replace(/^"/, '').toLowerCase();
  // The word ends at the end of the text, a space or a parenthesis: only the first needs a separator.
  const after = end === text.length ? ' ' : '';
  const values = field.values ?? [];
  const ranked = [
    ...values.filter((v) => v.toLowerCase().startsWith(typedValue)),
    ...values.filter((v) => !v.toLowerCase().startsWith(typedValue) && v.toLowerCase().includes(typedValue)),
  ];
  // An exact, complete value needs no suggestion: Enter should search.
  if (ranked.length === 1 && ranked[0]!.toLowerCase() === typedValue) return [];
  return ranked.slice(0, MAX).map((v) => ({
    kind: 'value' as const,
    label: v,
    detail: field.name,
    insert: quoteIfNeeded(v) + after,
    from: valueFrom,
    to: end,
  }));
}

export function apply(text: string, s: Suggestion): Applied {
  const next = text.slice(0, s.from) + s.insert + text.slice(s.to);
  return { text: next, caret: s.from + s.insert.length };
}
