import type { IncomingHttpHeaders } from 'node:http';
import { SESSION_KEY_HEADER } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import { sha256 } from '../ids.js';
import { SessionKeyMismatch } from '../store/session-access.js';

/** 128 bits or more of base64url, as the recorder makes them. */
const KEY_RE = /^[A-Za-z0-9_-]{22,128}$/;

/**
 * The hash of the session key a batch carries (`X-Reprise-Session-Key`), or null without one.
 * The key travels in a header: never in the URL (request logs), never in the body (the stored
 * chunk); only its SHA-256 is kept, with the session (store/session-access.ts).
 */
export function sessionKeyHash(headers: IncomingHttpHeaders): string | null {
  const raw = headers[SESSION_KEY_HEADER];
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !KEY_RE.test(raw)) {
    throw new HttpError(400, 'invalid_session_key', `${SESSION_KEY_HEADER} must be 22 to 128 URL-safe characters`);
  }
  return sha256(raw);
}

/** The 403 a recorder treats as final for the session (it stops uploading it). */
export function sessionKeyError(err: SessionKeyMismatch): HttpError {
  return new HttpError(403, err.code, 'this session was started by another recorder (session key mismatch)');
}
