import type { FieldNode, ParseResult, QueryError, QueryNode, Span } from './ast.js';
import { parseFieldValue } from './fields.js';
import { tokenizeQuery, type Token, type WordToken } from './tokenize.js';

/** Longest accepted query, in UTF-16 code units. */
export const MAX_QUERY_LENGTH = 2000;
/** Most terms in one query (each becomes a few SQL conditions). */
export const MAX_QUERY_TERMS = 64;
/** Deepest nesting of parentheses and negations. */
export const MAX_QUERY_DEPTH = 16;

class ParseError extends Error {
  constructor(readonly detail: QueryError) {
    super(detail.message);
  }
}

/**
 * Parses the search language (docs/search.md) into a typed AST with source spans.
 *
 *   query   := or EOF
 *   or      := and ( 'OR' and )*
 *   and     := unary ( ['AND'] unary )*
 *   unary   := '-' unary | '(' or ')' | term      ( '(' or ')' is a GroupNode )
 *   term    := field ':' [op] value | value
 *
 * An empty (or blank) query parses to `null`: every session.
 */
export function parseQuery(q: string): ParseResult {
  if (q.length > MAX_QUERY_LENGTH) {
    return {
      ok: false,
      error: {
        message: `query is too long (at most ${MAX_QUERY_LENGTH} characters)`,
        position: MAX_QUERY_LENGTH,
        length: q.length - MAX_QUERY_LENGTH,
      },
    };
  }
  const lexed = tokenizeQuery(q);
  if (!lexed.ok) return lexed;
  if (lexed.tokens.length === 0) return { ok: true, ast: null };
  try {
    return { ok: true, ast: new Parser(lexed.tokens).parse() };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.detail };
    throw e;
  }
}

class Parser {
  private i = 0;
  private terms = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): QueryNode {
    const node = this.or();
    const extra = this.peek();
    if (extra) {
      // `or` only stops at a ')' it did not open.
      throw fail(extra.kind === 'rparen' ? "unmatched ')': remove it or add a '(' before it" : 'unexpected input', extra);
    }
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private or(): QueryNode {
    const children = [this.and()];
    for (let t = this.peek(); t?.kind === 'or'; t = this.peek()) {
      this.i++;
      this.expectOperand(t, 'OR');
      children.push(this.and());
    }
    return combine('or', children);
  }

  private and(): QueryNode {
    const children = [this.unary()];
    for (let t = this.peek(); t && t.kind !== 'or' && t.kind !== 'rparen'; t = this.peek()) {
      if (t.kind === 'and') {
        this.i++;
        this.expectOperand(t, 'AND');
      }
      children.push(this.unary());
    }
    return combine('and', children);
  }

  /** After a binary operator: something it can take on its right. */
  private expectOperand(op: Token, name: string): void {
    const next = this.peek();
    if (!next || next.kind === 'rparen' || next.kind === 'or' || next.kind === 'and') {
      throw fail(`${name} needs a term on its right`, op);
    }
  }

  private unary(): QueryNode {
    const t = this.peek();
    if (!t) throw new Error('unreachable: unary at end of input');
    if (t.kind === 'or' || t.kind === 'and') throw fail(`${t.kind.toUpperCase()} needs a term on its left`, t);
    if (t.kind === 'rparen') throw fail("unmatched ')': remove it or add a '(' before it", t);
    if (t.kind === 'not' || t.kind === 'lparen') {
      if (++this.depth > MAX_QUERY_DEPTH) throw fail(`too deeply nested (at most ${MAX_QUERY_DEPTH} levels)`, t);
      this.i++;
      let node: QueryNode;
      if (t.kind === 'not') {
        const next = this.peek();
        // The tokenizer only emits '-' directly before a term or '('.
        if (!next || next.kind === 'or' || next.kind === 'and' || next.kind === 'rparen') throw fail("'-' needs a term right after it", t);
        const child = this.unary();
        node = { type: 'not', child, ...cover(t, child) };
      } else {
        const next = this.peek();
        if (next?.kind === 'rparen') throw fail('empty parentheses', { position: t.position, length: next.position + 1 - t.position });
        if (!next) throw fail("unclosed '(': add a ')'", t);
        node = this.or();
        const close = this.peek();
        if (close?.kind !== 'rparen') throw fail("unclosed '(': add a ')'", t);
        this.i++;
        node = { type: 'group', child: node.type === 'group' ? node.child : node, ...cover(t, close) };
      }
      this.depth--;
      return node;
    }
    this.i++;
    if (++this.terms > MAX_QUERY_TERMS) throw fail(`too many terms (at most ${MAX_QUERY_TERMS})`, t);
    return term(t as WordToken);
  }
}

function term(t: WordToken): QueryNode {
  const span = { position: t.position, length: t.length };
  if (!t.field) {
    if (t.value === '') throw fail('empty quotes: put the text to search for between them', span);
    return { type: 'text', text: t.value, quoted: t.quoted, ...span };
  }
  const parsed = parseFieldValue(t as WordToken & { field: NonNullable<WordToken['field']> });
  if (!parsed.ok) throw new ParseError(parsed.error);
  return {
    type: 'field',
    field: parsed.field,
    value: parsed.value,
    fieldSpan: { position: t.field.position, length: t.field.length },
    valueSpan: { position: t.field.position + t.field.length + 1, length: t.position + t.length - (t.field.position + t.field.length + 1) },
    ...span,
  } as FieldNode;
}

/** Joins children into one and/or node, flattening nested nodes of the same kind. */
function combine(type: 'and' | 'or', children: QueryNode[]): QueryNode {
  if (children.length === 1) return children[0]!;
  const flat = children.flatMap((c) => (c.type === type ? c.children : [c]));
  return { type, children: flat, ...cover(flat[0]!, flat[flat.length - 1]!) };
}

function cover(a: Span, b: Span): Span {
  return { position: a.position, length: b.position + b.length - a.position };
}

function fail(message: string, at: Span): ParseError {
  return new ParseError({ message, position: at.position, length: at.length });
}
