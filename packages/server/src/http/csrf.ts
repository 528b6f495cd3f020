import type { FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../auth/plugin.js';
import { HttpError } from './errors.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF guard for `/api/v1` (an onRequest hook, before authentication).
 *
 * The login cookie is SameSite=Lax, which stops cross-site POSTs but not same-site ones (a
 * sibling subdomain is same-site), and a `text/plain` form POST needs no CORS preflight. So a
 * state-changing request that a browser could send with the cookie must:
 * - come from our own origin: `Origin` matches, or, when a client sends no Origin, `Referer`
 *   does; with the cookie and neither header, it is refused;
 * - carry `application/json` when it has a body (a form cannot send that cross-origin without
 *   a preflight, which the API never grants).
 * Bearer-token requests are exempt (a browser never attaches one on its own). Without the
 * cookie (logging in from a script) a missing Origin is allowed, a foreign one is not.
 *
 * "Our origin" is the request's own host (Host, or X-Forwarded-Host behind a trusted proxy)
 * or REPRISE_PUBLIC_URL's. The scheme is not compared: behind a TLS-terminating proxy
 * without REPRISE_TRUST_PROXY the server sees http while the browser says https.
 */
export function csrfGuard(opts: { publicUrl: string | null }) {
  const publicHost = opts.publicUrl ? hostOf(opts.publicUrl) : null;
  return async (req: FastifyRequest): Promise<void> => {
    if (!STATE_CHANGING.has(req.method)) return;
    if (/^Bearer\s/i.test(req.headers.authorization ?? '')) return;
    const cookieAuth = !!req.cookies[SESSION_COOKIE];
    const ownHost = hostOf(`${req.protocol}://${req.host}`);
    const matches = (url: string) => {
      const h = hostOf(url);
      return h !== null && (h === ownHost || h === publicHost);
    };

    const origin = req.headers.origin;
    const referer = req.headers.referer;
    if (origin !== undefined) {
      if (!matches(origin)) throw new HttpError(403, 'cross_origin_request', `requests from origin ${origin} are not accepted`);
    } else if (referer !== undefined) {
      if (!matches(referer)) throw new HttpError(403, 'cross_origin_request', 'requests referred from another origin are not accepted');
    } else if (cookieAuth) {
      throw new HttpError(
        403,
        'origin_required',
        'a cookie-authenticated request must send Origin (or Referer); scripts should use a bearer API token',
      );
    }

    if (hasBody(req) && mediaType(req.headers['content-type']) !== 'application/json') {
      throw new HttpError(415, 'json_required', 'state-changing API requests must send Content-Type: application/json');
    }
  };
}

function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.host.toLowerCase() : null;
  } catch {
    return null; // includes the opaque origin "null"
  }
}

function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}
