import type { FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import type { HttpLimits } from '../config.js';

/**
 * Fastify's HTTP server options from the configured limits (docs/deploy.md, "Connections and
 * timeouts"). Node's defaults leave a request unbounded in time (Fastify sets requestTimeout 0),
 * so 1,000 clients sending a body one byte at a time hold 1,000 sockets until the process runs
 * out of file descriptors and every request fails. With these, a request whose headers or body
 * do not arrive in time is answered 408 and closed, idle sockets are closed, and connections
 * beyond `maxConnections` are refused at accept (applyConnectionLimit).
 */
export function httpServerOptions(
  limits: HttpLimits,
): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout' | 'http'> {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout,
      // How often Node looks for requests past those timeouts (default 30 s): a tenth of the
      // shortest, within [50 ms, 1 s].
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 10))),
    },
  };
}

/** Connections beyond the limit are closed as soon as they are accepted. */
export function applyConnectionLimit(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
}
