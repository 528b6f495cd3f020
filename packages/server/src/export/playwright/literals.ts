/** TypeScript source text for values written into the generated spec. */

/** A string literal, single-quoted unless the text holds more single than double quotes (as Prettier does). */
export function str(s: string): string {
  const escaped = JSON.stringify(s)
    .slice(1, -1)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const singles = (s.match(/'/g) ?? []).length;
  const doubles = (s.match(/"/g) ?? []).length;
  if (singles > doubles) return `"${escaped}"`;
  return `'${escaped.replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A JSON value as a TS literal in Prettier's style (single quotes, bare keys), indented to sit at `indent`. */
export function literal(v: unknown, indent: string): string {
  return lit(v, indent);
}

function lit(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => `${inner}${lit(x, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : str(k));
  return `{\n${entries.map(([k, x]) => `${inner}${key(k)}: ${lit(x, inner)},`).join('\n')}\n${indent}}`;
}

/** `card-number` → `CARD_NUMBER`; unique among `taken`. */
export function constName(words: string, taken: Set<string>): string {
  let base = words
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()
    .slice(0, 40)
    .replace(/_+$/, '');
  if (!base) base = 'MASKED_VALUE';
  if (/^\d/.test(base)) base = `VALUE_${base}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** `/api/checkout` → `checkout`, a camelCase variable stem for a request. */
export function varStem(path: string, taken: Set<string>): string {
  const words = path
    .split(/[?#]/)[0]!
    .split('/')
    .filter((w) => w && !/^(api|v\d+)$/i.test(w) && !/\d/.test(w))
    .map((w) => w.replace(/[^A-Za-z]+/g, ' ').trim())
    .filter(Boolean);
  const last = (words[words.length - 1] ?? 'request').split(' ');
  let base = last.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('') || 'request';
  base = `${base}Response`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}
