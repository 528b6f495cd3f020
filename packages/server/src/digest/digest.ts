import type { Store } from '../store/types.js';
import type { Digest, DigestOptions } from './types.js';

export const DEFAULT_BUDGET_TOKENS = 2000;

/** About 4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The session digest; null when the session is unknown. */
export async function buildDigest(store: Store, sessionId: string, opts: DigestOptions = {}): Promise<Digest | null> {
  const s = await store.getSession(sessionId);
  if (!s) return null;
  const budgetTokens = opts.budgetTokens ?? DEFAULT_BUDGET_TOKENS;
  const text = `Session ${sessionId}`;
  return { sessionId, header: text, problems: [], timeline: [], dropped: [], budgetTokens, tokens: estimateTokens(text), text };
}
