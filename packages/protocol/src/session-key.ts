/**
 * Session binding: the recorder makes a random key with each session and sends it with every
 * batch of the session in this header; the server keeps its SHA-256 from the session's first
 * batch and refuses other keys with 403 SESSION_KEY_MISMATCH (final for that session).
 */
export const SESSION_KEY_HEADER = 'x-reprise-session-key';
export const SESSION_KEY_MISMATCH = 'session_key_mismatch';
/** 413 `error` when a session is over its stored-bytes cap: final for that session. */
export const SESSION_FULL = 'session_full';
/** 410 `error` when the session was deleted on the server (by a user, an erasure or retention): final for that session. */
export const SESSION_DELETED = 'session_deleted';
