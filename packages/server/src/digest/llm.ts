/**
 * The optional "Rewrite" of a digest into prose by an OpenAI-compatible chat endpoint. Off unless
 * REPRISE_LLM_URL, REPRISE_LLM_MODEL and REPRISE_LLM_KEY are all set. What leaves the server is
 * exactly `rewriteRequest`: the model name, a fixed instruction, and the digest text (which
 * holds no more than the stored events). Never raw events, never headers or bodies beyond it.
 */

export interface LlmConfig {
  /** Base URL of the API (`…/v1`), or the full `…/chat/completions` URL. */
  url: string;
  model: string;
  key: string;
}

export function llmConfig(env: NodeJS.ProcessEnv): LlmConfig | null {
  const url = env.REPRISE_LLM_URL?.trim();
  const model = env.REPRISE_LLM_MODEL?.trim();
  const key = env.REPRISE_LLM_KEY?.trim();
  if (!url || !model || !key) return null;
  if (!/^https?:\/\//i.test(url)) throw new Error(`REPRISE_LLM_URL must be an http(s) URL, got "${url}"`);
  return { url: url.replace(/\/+$/, ''), model, key };
}

export const REWRITE_INSTRUCTION =
  'You turn a session digest from a web session-replay tool into a short bug report in plain prose: what the user did, ' +
  'what went wrong, and the likely cause. Use only facts in the digest. Keep masked values masked. At most 200 words.';

/** The whole request body sent: nothing else of the session goes out. */
export function rewriteRequest(cfg: LlmConfig, digestText: string) {
  return {
    model: cfg.model,
    temperature: 0.2,
    messages: [
      { role: 'system' as const, content: REWRITE_INSTRUCTION },
      { role: 'user' as const, content: digestText },
    ],
  };
}

export class LlmFailed extends Error {}

const TIMEOUT_MS = 60_000;

export async function rewriteDigest(cfg: LlmConfig, digestText: string): Promise<string> {
  const endpoint = /\/chat\/completions$/.test(cfg.url) ? cfg.url : `${cfg.url}/chat/completions`;
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.key}` },
      body: JSON.stringify(rewriteRequest(cfg, digestText)),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new LlmFailed(`the model endpoint could not be reached: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) throw new LlmFailed(`the model endpoint answered ${res.status}: ${text.slice(0, 300)}`);
  let content: unknown;
  try {
    content = (JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
  } catch {
    content = undefined;
  }
  if (typeof content !== 'string' || !content.trim()) throw new LlmFailed('the model endpoint answered without a message');
  return content.trim();
}
