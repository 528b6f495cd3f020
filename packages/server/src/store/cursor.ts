/** Opaque keyset cursor for newest-first session pages: (startedAt, id) of the last row served. */
export function encodeCursor(startedAt: number, id: string): string {
  return Buffer.from(`${startedAt}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { startedAt: number; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return null;
  const startedAt = Number(text.slice(0, i));
  if (!Number.isFinite(startedAt)) return null;
  return { startedAt, id: text.slice(i + 1) };
}
