import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/**
 * PostgreSQL text and jsonb cannot hold U+0000; SQLite can. A NUL in a path parameter, a query
 * value or a JSON body would fail that request's query with a 500 on PostgreSQL only, or be
 * stored on SQLite and break a later move to PostgreSQL. So requests carrying one are refused
 * before validation, on both backends alike, with a 400 that says where. (Ingest takes recorded
 * text as it is instead: its chunks keep the bytes, and ingest/sanitize.ts turns NUL into U+FFFD
 * in the columns it writes.)
 */
export async function refuseNul(req: FastifyRequest): Promise<void> {
  const where = nulIn({ params: req.params, query: req.query, body: req.body });
  if (where) throw new HttpError(400, 'invalid_request', `NUL characters (U+0000) are not accepted (in ${where})`);
}

/** Path of the first string (value or key) under `root` that holds a NUL, or null. Iterative: bodies can nest deeply. */
export function nulIn(root: Record<string, unknown>): string | null {
  const stack: Array<[unknown, string]> = Object.entries(root).map(([k, v]) => [v, k]);
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return `${path} (a key)`;
        stack.push([child, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`]);
      }
    }
  }
  return null;
}
