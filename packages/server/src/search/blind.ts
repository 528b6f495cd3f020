import { searchWords, type IndexSealer } from '../store/index-seal.js';
import type { ConsoleCond, Pred, RequestCond, TokenField } from './plan.js';

/**
 * Search over an encrypted index (store/index-seal.ts): the text columns are sealed and
 * search_text holds blind word tokens, so every text condition on them becomes a `tokens`
 * predicate. What changes (docs/search.md, docs/deploy.md):
 * - a text term matches whole words, case-insensitive: `checkout` finds `/api/checkout?x=1`
 *   but `check` does not; a term of several words (`"card expired"`, `/api/orders`) needs each
 *   word in the same field of the session, in any order and not necessarily in one value;
 * - `request:` and `console:` text no longer has to hold on the same request or message as
 *   the `status:`, `method:` or `level:` terms beside it: it holds on the session;
 * - click labels and selectors are stored plain and searched as before;
 * - rows written before encryption was turned on stay plain and match as before (substring).
 */
export function blindPlan(pred: Pred, sealer: IndexSealer): Pred {
  const tokens = (field: TokenField | null, text: string): Pred => ({
    t: 'tokens',
    field,
    words: searchWords(text).map((w) => sealer.queryTokens(w)),
    text,
  });
  const walk = (p: Pred): Pred => {
    switch (p.t) {
      case 'and':
      case 'or':
        return { t: p.t, children: p.children.map(walk) };
      case 'not':
        return { t: 'not', child: walk(p.child) };
      case 'text':
        // Click rows stay plain: searched as before, next to the tokens of the other fields.
        return { t: 'or', children: [tokens(null, p.text), { t: 'click', all: [[{ c: 'text', text: p.text }]] }] };
      case 'page':
        return tokens('url', p.text);
      case 'error':
        return tokens('error', p.text);
      case 'request':
        return splitRow(
          p.all,
          (a) => (a.c === 'url' ? a.text : null),
          (rest) => ({ t: 'request', all: rest }),
          (t) => tokens('request', t),
        );
      case 'console':
        return splitRow<ConsoleCond>(
          p.all,
          (a) => (a.c === 'text' ? a.text : null),
          (rest) => ({ t: 'console', all: rest }),
          (t) => tokens('console', t),
        );
      default:
        return p;
    }
  };
  return walk(pred);
}

/**
 * A row predicate without its text conditions: each entry whose alternatives are all text
 * becomes an OR of token matches on the session; an entry mixing text and other alternatives
 * becomes an OR of those token matches and a row predicate of the other alternatives.
 */
function splitRow<C extends RequestCond | ConsoleCond>(
  all: C[][],
  textOf: (c: C) => string | null,
  row: (rest: C[][]) => Pred,
  tokens: (text: string) => Pred,
): Pred {
  const kept: C[][] = [];
  const session: Pred[] = [];
  for (const alts of all) {
    const texts = alts.map(textOf).filter((t): t is string => t !== null);
    if (texts.length === 0) {
      kept.push(alts);
      continue;
    }
    const others = alts.filter((a) => textOf(a) === null);
    const parts = [...texts.map(tokens), ...(others.length ? [row([others])] : [])];
    session.push(parts.length === 1 ? parts[0]! : { t: 'or', children: parts });
  }
  const parts = [...(kept.length ? [row(kept)] : []), ...session];
  return parts.length === 1 ? parts[0]! : { t: 'and', children: parts };
}
