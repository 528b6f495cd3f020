import type { CompareOp, QueryError, Span } from './ast.js';

/**
 * Tokens of the query text. A word runs to whitespace or a parenthesis; double-quoted parts
 * (with `\"` and `\\` escapes) may hold both and join the word they touch, so
 * `tag:plan="pro plus"` is one word. `OR` and `AND` (upper case, unquoted) are operators,
 * a `-` directly before a term or `(` negates it.
 */
export type Token = (Span & { kind: 'lparen' | 'rparen' | 'not' | 'or' | 'and' }) | WordToken;

export interface WordToken extends Span {
  kind: 'word';
  /** `name:` prefix, when the word starts with one (the name as written, without the colon). */
  field: (Span & { name: string }) | null;
  /** Comparison operator directly after the colon. */
  op: (Span & { op: CompareOp }) | null;
  /** The value with quotes removed and escapes resolved. */
  value: string;
  /** Span of the value as written (after the operator). */
  valueSpan: Span;
  quoted: boolean;
}

export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; error: QueryError };

const FIELD_PREFIX = /^([A-Za-z][A-Za-z0-9_]*):(?!\/\/)/;
const OPERATOR = /^(>=|<=|>|<|=)/;

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\u3000';
}

function isDelimiter(c: string): boolean {
  return isSpace(c) || c === '(' || c === ')';
}

export function tokenizeQuery(q: string): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = q.length;
  while (i < n) {
    const c = q[i]!;
    if (isSpace(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen', position: i, length: 1 });
      i++;
    } else if (c === '-') {
      // Words run to a delimiter, so a '-' here always starts a term.
      if (i + 1 >= n || isSpace(q[i + 1]!) || q[i + 1] === ')') {
        return fail('\'-\' negates the term right after it: remove the space, or write "-" in quotes to search for it', i, 1);
      }
      tokens.push({ kind: 'not', position: i, length: 1 });
      i++;
    } else {
      const start = i;
      let field: WordToken['field'] = null;
      let op: WordToken['op'] = null;
      const m = FIELD_PREFIX.exec(q.slice(i, i + 64));
      if (m) {
        field = { name: m[1]!, position: i, length: m[1]!.length };
        i += m[0].length;
        const o = OPERATOR.exec(q.slice(i, i + 2));
        if (o) {
          op = { op: o[1] as CompareOp, position: i, length: o[1]!.length };
          i += o[1]!.length;
        }
      }
      const valueStart = i;
      let value = '';
      let quoted = false;
      while (i < n && !isDelimiter(q[i]!)) {
        if (q[i] === '"') {
          const open = i;
          i++;
          while (i < n && q[i] !== '"') {
            if (q[i] === '\\' && i + 1 < n) i++;
            value += q[i];
            i++;
          }
          if (i >= n) return fail('unclosed quote: add a closing "', open, n - open);
          i++;
          quoted = true;
        } else {
          value += q[i];
          i++;
        }
      }
      const length = i - start;
      const valueSpan = { position: valueStart, length: i - valueStart };
      if (!field && !quoted && (value === 'OR' || value === 'AND')) {
        tokens.push({ kind: value === 'OR' ? 'or' : 'and', position: start, length });
      } else {
        tokens.push({ kind: 'word', position: start, length, field, op, value, valueSpan, quoted });
      }
    }
  }
  return { ok: true, tokens };
}

function fail(message: string, position: number, length: number): TokenizeResult {
  return { ok: false, error: { message, position, length } };
}
