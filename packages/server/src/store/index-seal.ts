import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { ErrorGroup, FailingEndpoint } from '@reprise/protocol';
import type { ErrorSample } from './problem-rows.js';
import type { IndexRows } from './index-rows.js';
import type { ChunkCipher, EncryptionKey } from './chunks/crypto.js';
import type { AppendBatchInput, ProblemRows } from './types.js';

/**
 * Encryption of the index tables' text when REPRISE_ENCRYPTION_KEY is set (docs/deploy.md,
 * "Encryption at rest"). Chunks are sealed by ChunkCipher; the rows ingest extracts from them
 * (console text, request and page URLs, routes, error messages and stacks, the session's first
 * URL) would otherwise sit in the database in plain text.
 *
 * - Sealed values: deterministic AES-256-GCM whose IV is an HMAC of the plaintext (a synthetic
 *   IV), `rpx1:<keyId>:<base64url of iv|ciphertext|tag>`. Equal texts seal equally, so GROUP BY
 *   (top problems by route and message key) and equality still work in SQL; nothing else about
 *   the text is visible. The store opens them when it answers.
 * - search_text holds blind tokens instead of text: an HMAC of each lower-cased word (letters
 *   and digits), so search matches whole words (see blindPlan in search/blind.ts). Click rows
 *   stay plain, like the clicks table.
 *
 * The keys are derived (HKDF) from each REPRISE_ENCRYPTION_KEY key, never the chunk key itself.
 * With several keys, new rows use the first; every key opens and every key's tokens are searched.
 * A value without the prefix is plaintext (stored before encryption was turned on).
 */
const PREFIX = 'rpx1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const TOKEN_BYTES = 10;
/** Longer words are cut before hashing (a search term is cut the same way). */
const MAX_WORD = 64;
const WORD_SPLIT = /[^\p{L}\p{N}]+/u;
/** Starts every token row of search_text, telling it from a plain row written before encryption was on. */
export const TOKEN_ROW_MARK = 'rpt1';

interface DerivedKey {
  id: string;
  enc: Buffer;
  siv: Buffer;
  token: Buffer;
}

function derive(k: EncryptionKey): DerivedKey {
  const d = (info: string) => Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), `reprise index ${info}`, 32));
  return { id: k.id, enc: d('seal'), siv: d('siv'), token: d('token') };
}

/** The distinct words of a text, lower-cased, as search matches them. */
export function searchWords(text: string): string[] {
  const out = new Set<string>();
  for (const w of text.toLowerCase().split(WORD_SPLIT)) if (w) out.add(w.slice(0, MAX_WORD));
  return [...out];
}

export class IndexSealer {
  private readonly keys: DerivedKey[];
  private readonly byId: Map<string, DerivedKey>;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('IndexSealer needs at least one key');
    this.keys = keys.map(derive);
    this.byId = new Map(this.keys.map((k) => [k.id, k]));
  }

  static fromCipher(cipher: ChunkCipher | null | undefined): IndexSealer | null {
    return cipher ? new IndexSealer(cipher.keys) : null;
  }

  static isSealed(v: string): boolean {
    return v.startsWith(PREFIX);
  }

  seal(text: string): string {
    const k = this.keys[0]!;
    const plain = Buffer.from(text, 'utf8');
    const iv = createHmac('sha256', k.siv).update(plain).digest().subarray(0, IV_BYTES);
    const c = createCipheriv('aes-256-gcm', k.enc, iv);
    c.setAAD(Buffer.from(PREFIX + k.id, 'ascii'));
    const body = Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
    return `${PREFIX}${k.id}:${body.toString('base64url')}`;
  }

  sealNullable(text: string | null): string | null {
    return text === null ? null : this.seal(text);
  }

  /** The plaintext of a sealed value; plaintext passes through; one this key set cannot open says so. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const colon = stored.indexOf(':', PREFIX.length);
    const k = colon > 0 ? this.byId.get(stored.slice(PREFIX.length, colon)) : undefined;
    if (!k) return '[encrypted with an unknown key]';
    const body = Buffer.from(stored.slice(colon + 1), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) return '[unreadable encrypted value]';
    try {
      const d = createDecipheriv('aes-256-gcm', k.enc, body.subarray(0, IV_BYTES));
      d.setAAD(Buffer.from(PREFIX + k.id, 'ascii'));
      d.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([d.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), d.final()]).toString('utf8');
    } catch {
      return '[unreadable encrypted value]';
    }
  }

  openNullable(stored: string | null): string | null {
    return stored === null ? null : this.open(stored);
  }

  private token(k: DerivedKey, word: string): string {
    return createHmac('sha256', k.token).update(word, 'utf8').digest().subarray(0, TOKEN_BYTES).toString('hex');
  }

  /** What search_text stores for a text: the mark, then the active key's tokens of its words, space-separated ('' for none). */
  tokenText(text: string): string {
    const k = this.keys[0]!;
    const words = searchWords(text);
    return words.length ? `${TOKEN_ROW_MARK} ${words.map((w) => this.token(k, w)).join(' ')}` : '';
  }

  /** A search word's tokens under every key (rows written before a rotation keep the old key's). */
  queryTokens(word: string): string[] {
    const w = word.toLowerCase().slice(0, MAX_WORD);
    return this.keys.map((k) => this.token(k, w));
  }

  /** The batch's index rows as the store writes them: text sealed, search_text tokenized. */
  sealRows(index: IndexRows): IndexRows {
    return {
      ...index,
      network: index.network.map((r) => ({ ...r, url: this.seal(r.url), route: this.seal(r.route) })),
      console: index.console.map((r) => ({ ...r, text: this.seal(r.text) })),
      errors: index.errors.map((r) => ({
        ...r,
        message: this.seal(r.message),
        messageKey: this.seal(r.messageKey),
        stack: this.sealNullable(r.stack),
        issue: r.issue && { ...r.issue, message: this.seal(r.issue.message) },
      })),
      pages: index.pages.map((r) => ({ ...r, url: this.seal(r.url) })),
      // Click labels and test ids stay plain, as in the clicks table (the page's own UI text).
      search: index.search
        .map((s) => (s.field === 'click' ? s : { field: s.field, text: this.tokenText(s.text) }))
        .filter((s) => s.text !== ''),
    };
  }
}

/** The append as the store writes it: index rows sealed, and the URL that becomes the session's first URL. */
export function sealAppend(input: AppendBatchInput, sealer: IndexSealer | null): AppendBatchInput {
  if (!sealer) return input;
  const meta = input.batch.meta;
  const batch = meta && typeof meta.url === 'string' ? { ...input.batch, meta: { ...meta, url: sealer.seal(meta.url) } } : input.batch;
  return { ...input, batch, index: sealer.sealRows(input.index) };
}

/** What the stores answer with, opened: the session's first URL, and the top-problem rows. */
export function openSummary<T extends { firstUrl: string | null }>(s: T, sealer: IndexSealer | null): T {
  return sealer && s.firstUrl !== null ? { ...s, firstUrl: sealer.open(s.firstUrl) } : s;
}

export function openEndpoints(rows: ProblemRows<FailingEndpoint>, sealer: IndexSealer | null): ProblemRows<FailingEndpoint> {
  return sealer ? rows.map((r) => ({ ...r, route: sealer.open(r.route) })) : rows;
}

export function openErrorGroups(rows: ProblemRows<ErrorGroup>, sealer: IndexSealer | null): ProblemRows<ErrorGroup> {
  return sealer
    ? rows.map((r) => {
        const sample = (r as { sample?: ErrorSample }).sample;
        const opened = { ...r, message: sealer.open(r.message), example: sealer.open(r.example) };
        return sample ? { ...opened, sample: { ...sample, stack: sealer.openNullable(sample.stack) } } : opened;
      })
    : rows;
}
