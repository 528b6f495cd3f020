import { createHash, randomBytes } from 'node:crypto';

/** 128 random bits, URL-safe. */
export function randomId(prefix = ''): string {
  return prefix + randomBytes(16).toString('base64url');
}

/** A 256-bit secret for login cookies and API tokens. */
export function randomSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Secrets are stored only as this hash, so a leaked database grants no access. */
export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
