import { createRedactor, DROP_HEADERS, HEADER_PARTS, REDACTED, scrubSecrets, type BackendLog, type BackendSpan } from '@reprise/protocol';

/**
 * Span and log redaction before anything is stored, with the rules the recorder applies to
 * network bodies (@reprise/protocol redaction.ts): attribute keys named like passwords, tokens,
 * authorization, cards, CVV, SSN, IBAN or e-mail get "[redacted]" (at any depth of a map value),
 * as do OpenTelemetry's captured headers (`http.request.header.<name>`) of credential headers;
 * URL-valued strings get sensitive query parameters redacted; every string has JWT shapes and
 * `Bearer …` values replaced. SQL in `db.statement` / `db.query.text` keeps its shape with every
 * literal replaced by `?` (configurable: REPRISE_OTLP_SQL_LITERALS=keep).
 */
export interface OtlpRedactOptions {
  /** Extra attribute keys (whole name, case-insensitive) to redact: REPRISE_OTLP_REDACT_KEYS. */
  extraKeys?: readonly string[];
  /** Replace literals in SQL statements with `?` (default true). */
  sqlLiterals?: boolean;
}

const SQL_KEYS = new Set(['db.statement', 'db.query.text']);
const HEADER_ATTR = /^http\.(?:request|response)\.header\.(.+)$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/|^\/[^\s]*\?/i;
const MAX_DEPTH = 10;

export class OtlpRedactor {
  private readonly keys;
  private readonly sqlLiterals: boolean;

  constructor(opts: OtlpRedactOptions = {}) {
    this.keys = createRedactor(opts.extraKeys ?? []);
    this.sqlLiterals = opts.sqlLiterals ?? true;
  }

  span(s: BackendSpan): BackendSpan {
    const out: BackendSpan = {
      ...s,
      name: scrubSecrets(s.name),
      attributes: this.attributes(s.attributes),
      events: s.events.map((e) => ({ ...e, name: scrubSecrets(e.name), attributes: this.attributes(e.attributes) })),
    };
    if (s.statusMessage !== undefined) out.statusMessage = scrubSecrets(s.statusMessage);
    return out;
  }

  log(l: BackendLog): BackendLog {
    return { ...l, body: this.value(l.body, 0), attributes: this.attributes(l.attributes) };
  }

  private attributes(attrs: Record<string, unknown>, depth = 0): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(attrs)) {
      let value: unknown;
      if (this.sensitive(k)) value = REDACTED;
      else if (SQL_KEYS.has(k) && typeof v === 'string') value = this.sqlLiterals ? scrubSecrets(sqlShape(v)) : scrubSecrets(v);
      else value = this.value(v, depth + 1);
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  private value(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return URL_LIKE.test(v) ? this.keys.url(v) : scrubSecrets(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_DEPTH) return '[depth]';
    if (Array.isArray(v)) return v.map((x) => this.value(x, depth + 1));
    return this.attributes(v as Record<string, unknown>, depth);
  }

  private sensitive(key: string): boolean {
    const header = HEADER_ATTR.exec(key);
    if (header) {
      const name = header[1]!.toLowerCase();
      return DROP_HEADERS.includes(name) || HEADER_PARTS.test(name);
    }
    // `http.request.body.password`-style keys: any dotted part may name the secret.
    return this.keys.isSensitiveKey(key);
  }
}

/**
 * A SQL statement with its literals replaced by `?`: quoted strings ('…', with '' escapes, and
 * E'…', $$…$$ bodies), numbers that are not part of a name, hex and boolean-free constants. Names
 * in double quotes or backticks stay. Comments are dropped (they may carry values too).
 */
export function sqlShape(sql: string): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
      continue;
    }
    if (c === '"' || c === '`') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? n : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (
      c === "'" ||
      ((c === 'E' || c === 'e' || c === 'N' || c === 'n' || c === 'X' || c === 'x') && next === "'" && !isWord(sql[i - 1]))
    ) {
      i = skipQuoted(sql, c === "'" ? i : i + 1);
      out += '?';
      continue;
    }
    if (c === '$' && /[A-Za-z_$]/.test(next ?? '') && !isWord(sql[i - 1])) {
      const tagEnd = sql.indexOf('$', i + 1);
      if (tagEnd > 0 && /^\$[A-Za-z_]*\$$/.test(sql.slice(i, tagEnd + 1))) {
        const tag = sql.slice(i, tagEnd + 1);
        const close = sql.indexOf(tag, tagEnd + 1);
        i = close < 0 ? n : close + tag.length;
        out += '?';
        continue;
      }
    }
    if (/[0-9]/.test(c) && !isWord(sql[i - 1]) && sql[i - 1] !== '$') {
      const m = /^(?:0x[0-9a-f]+|\d+(?:\.\d*)?(?:e[+-]?\d+)?)/i.exec(sql.slice(i));
      const len = m ? m[0].length : 1;
      if (!isWord(sql[i + len])) {
        out += '?';
        i += len;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

function isWord(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

/** The index after a quoted string starting at `i` ('…' with '' or \' escapes). */
function skipQuoted(sql: string, i: number): number {
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === '\\') j += 2;
    else if (sql[j] === "'") {
      if (sql[j + 1] === "'") j += 2;
      else return j + 1;
    } else j++;
  }
  return sql.length;
}
