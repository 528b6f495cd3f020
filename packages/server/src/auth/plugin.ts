import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.js';
import { HttpError } from '../http/errors.js';
import { randomSecret, sha256 } from '../ids.js';
import type { Store, User } from '../store/types.js';
import { loginChecker } from './login-check.js';
import { LoginLimiter } from './login-limiter.js';

export const SESSION_COOKIE = 'reprise_session';
const LOGIN_TTL_MS = 7 * 24 * 3600 * 1000;

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
  }
}

/** Resolves the caller from a bearer API token or the login cookie; null when neither is valid. */
export async function authenticate(req: FastifyRequest, store: Store): Promise<User | null> {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    // Revoked and expired tokens are not found; the token's scope is applied by auth/access.ts.
    const found = await store.getApiTokenByHash(sha256(auth.slice(7).trim()), Date.now());
    if (found) req.apiToken = found.token;
    return found?.user ?? null;
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (cookie) return store.getLoginSessionUser(sha256(cookie), Date.now());
  return null;
}

/** Loopback over http still counts as a secure context in browsers, so Secure cookies work there. */
function cookieSecure(config: ServerConfig, req: FastifyRequest): boolean {
  if (config.cookieSecure !== 'auto') return config.cookieSecure;
  if (req.protocol === 'https') return true;
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(req.hostname);
}

export async function authRoutes(app: FastifyInstance, opts: { store: Store; config: ServerConfig }): Promise<void> {
  const { store, config } = opts;
  const limiter = new LoginLimiter(config.loginLimits);
  const checkLogin = loginChecker(store);

  app.post('/auth/login', { config: { access: { need: 'public' } } }, async (req, reply: FastifyReply) => {
    const body = req.body as { email?: unknown; password?: unknown } | undefined;
    if (typeof body?.email !== 'string' || typeof body.password !== 'string') {
      throw new HttpError(400, 'invalid_request', 'email and password are required strings');
    }
    const email = body.email.trim();
    const retryAfter = limiter.retryAfterSeconds(req.ip, email);
    if (retryAfter > 0) {
      return reply
        .status(429)
        .header('Retry-After', String(retryAfter))
        .send({ error: 'too_many_attempts', message: `too many failed logins; try again in ${retryAfter} s` });
    }
    const user = await checkLogin(email, body.password);
    if (!user) {
      limiter.recordFailure(req.ip, email);
      throw new HttpError(401, 'invalid_credentials', 'wrong email or password');
    }
    limiter.recordSuccess(email);
    const secret = randomSecret();
    await store.createLoginSession({ tokenHash: sha256(secret), userId: user.id, expiresAt: Date.now() + LOGIN_TTL_MS });
    reply.setCookie(SESSION_COOKIE, secret, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: cookieSecure(config, req),
      maxAge: LOGIN_TTL_MS / 1000,
    });
    return { user: { id: user.id, email: user.email, role: user.role } };
  });

  app.post('/auth/logout', { config: { access: { need: 'public' } } }, async (req, reply) => {
    const cookie = req.cookies[SESSION_COOKIE];
    if (cookie) await store.deleteLoginSession(sha256(cookie));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });
}

/** Guards every /api/v1 route except login: 401 without a valid cookie or token. */
export function requireUser(store: Store) {
  return async (req: FastifyRequest): Promise<void> => {
    if (req.routeOptions.url === '/api/v1/auth/login' || req.routeOptions.url === '/api/v1/auth/logout') return;
    const user = await authenticate(req, store);
    if (!user) throw new HttpError(401, 'unauthorized', 'log in or pass a bearer API token');
    req.user = user;
  };
}
