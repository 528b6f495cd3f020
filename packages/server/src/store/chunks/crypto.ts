import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for event chunks: AES-256-GCM, one envelope per stored batch segment.
 *
 *   'RPE1' | keyIdLen (1 byte) | keyId (ASCII) | IV (12 bytes) | ciphertext | tag (16 bytes)
 *
 * The additional authenticated data is the envelope header plus a context string naming the
 * segment's place (`<projectId>/<sessionId>/<seq>`, see batch-chunks.ts), so a segment moved to
 * another session or seq fails authentication. The context is the batch's identity rather than
 * the object key, so compaction can copy sealed segments into a pack without decrypting them.
 * Bytes without the magic are plaintext (chunks written before encryption was turned on).
 */
export const ENVELOPE_MAGIC = Buffer.from('RPE1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Parses `REPRISE_ENCRYPTION_KEY`: `<keyId>:<base64 of 32 bytes>[,<keyId>:<base64>...]`. The first
 * key encrypts new chunks, every key decrypts (rotation: put the new key first, keep the old
 * ones). A single bare base64 key means key id `k1`.
 */
export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('REPRISE_ENCRYPTION_KEY is empty');
  const keys: EncryptionKey[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    let id: string;
    let b64: string;
    if (colon === -1) {
      if (entries.length > 1) throw new Error('REPRISE_ENCRYPTION_KEY: with several keys, each needs an id (<keyId>:<base64>)');
      id = 'k1';
      b64 = entry;
    } else {
      id = entry.slice(0, colon);
      b64 = entry.slice(colon + 1);
    }
    if (!KEY_ID.test(id)) throw new Error(`REPRISE_ENCRYPTION_KEY: key id "${id}" must be 1-64 of [A-Za-z0-9._-]`);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw new Error(`REPRISE_ENCRYPTION_KEY: key "${id}" is not base64`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) {
      throw new Error(`REPRISE_ENCRYPTION_KEY: key "${id}" must be 32 bytes (base64 of 32 random bytes), got ${key.length}`);
    }
    if (keys.some((k) => k.id === id)) throw new Error(`REPRISE_ENCRYPTION_KEY: key id "${id}" appears twice`);
    keys.push({ id, key });
  }
  return keys;
}

export function isEncrypted(bytes: Buffer): boolean {
  return bytes.length >= ENVELOPE_MAGIC.length && bytes.subarray(0, ENVELOPE_MAGIC.length).equals(ENVELOPE_MAGIC);
}

/** The key id an envelope names, or null for plaintext bytes. */
export function envelopeKeyId(bytes: Buffer): string | null {
  if (!isEncrypted(bytes)) return null;
  const len = bytes[ENVELOPE_MAGIC.length];
  if (len === undefined || bytes.length < ENVELOPE_MAGIC.length + 1 + len) throw new Error('truncated encrypted chunk header');
  return bytes.subarray(ENVELOPE_MAGIC.length + 1, ENVELOPE_MAGIC.length + 1 + len).toString('ascii');
}

export class ChunkCipher {
  private readonly byId: Map<string, Buffer>;
  readonly activeKeyId: string;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('ChunkCipher needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.activeKeyId = keys[0]!.id;
  }

  /** Null when the variable is unset or empty: chunks are stored in plaintext. */
  static fromEnv(value: string | undefined): ChunkCipher | null {
    return value && value.trim() ? new ChunkCipher(parseEncryptionKeys(value)) : null;
  }

  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  /** The configured keys, active first: the index sealer (store/index-seal.ts) derives its own keys from them. */
  get keys(): EncryptionKey[] {
    return [...this.byId].map(([id, key]) => ({ id, key }));
  }

  seal(plain: Buffer, context: string): Buffer {
    const id = Buffer.from(this.activeKeyId, 'ascii');
    const header = Buffer.concat([ENVELOPE_MAGIC, Buffer.from([id.length]), id]);
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.byId.get(this.activeKeyId)!, iv);
    c.setAAD(Buffer.concat([header, Buffer.from(context, 'utf8')]));
    const body = c.update(plain);
    const final = c.final();
    return Buffer.concat([header, iv, body, final, c.getAuthTag()]);
  }

  /** Decrypts an envelope; `label` names the chunk in errors. */
  open(stored: Buffer, context: string, label = context): Buffer {
    const id = envelopeKeyId(stored);
    if (id === null) throw new Error(`chunk ${label} is not encrypted`);
    const key = this.byId.get(id);
    if (!key) {
      throw new Error(
        `chunk ${label} is encrypted with key id "${id}", which REPRISE_ENCRYPTION_KEY does not contain (it has: ${this.keyIds.join(', ')})`,
      );
    }
    const headerLen = ENVELOPE_MAGIC.length + 1 + id.length;
    if (stored.length < headerLen + IV_BYTES + TAG_BYTES) throw new Error(`chunk ${label}: truncated encrypted chunk`);
    const iv = stored.subarray(headerLen, headerLen + IV_BYTES);
    const tag = stored.subarray(stored.length - TAG_BYTES);
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.concat([stored.subarray(0, headerLen), Buffer.from(context, 'utf8')]));
    d.setAuthTag(tag);
    try {
      return Buffer.concat([d.update(stored.subarray(headerLen + IV_BYTES, stored.length - TAG_BYTES)), d.final()]);
    } catch {
      throw new Error(`chunk ${label}: decryption failed with key id "${id}" (wrong key for that id, or the chunk was modified or moved)`);
    }
  }
}

/**
 * Stored bytes → plaintext: envelopes are decrypted, plaintext (written before encryption was
 * enabled) passes through. An envelope without a configured cipher is a clear error.
 */
export function openStoredChunk(cipher: ChunkCipher | null, stored: Buffer, context: string, label = context): Buffer {
  if (!isEncrypted(stored)) return stored;
  if (!cipher) {
    throw new Error(`chunk ${label} is encrypted (key id "${envelopeKeyId(stored)}") but REPRISE_ENCRYPTION_KEY is not set`);
  }
  return cipher.open(stored, context, label);
}
