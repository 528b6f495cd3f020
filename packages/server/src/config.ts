import path from 'node:path';

/** Everything the server reads from the environment, in one place (documented in the README). */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  /** True when REPRISE_PUBLIC_URL was set; otherwise links use the request's own origin. */
  publicUrlExplicit: boolean;
  adminEmail: string;
  adminPassword: string | undefined;
  /** Origins allowed to send batches to the default project, `*` for any. */
  defaultAllowedOrigins: string[];
  /** `auto` sets Secure unless the request is plain http from a non-loopback host. */
  cookieSecure: 'auto' | boolean;
  demo: boolean;
  /** How the demo shop loads the recorder: the always-on tag, or the on-demand loader (links only). */
  demoMode: 'always' | 'on-demand';
  trustProxy: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = intEnv(env.PORT, 8080, 'PORT');
  const host = env.REPRISE_HOST ?? '0.0.0.0';
  return {
    port,
    host,
    dataDir: path.resolve(env.REPRISE_DATA_DIR ?? '.reprise-data'),
    publicUrl: (env.REPRISE_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    publicUrlExplicit: !!env.REPRISE_PUBLIC_URL,
    adminEmail: env.REPRISE_ADMIN_EMAIL ?? 'admin@localhost',
    adminPassword: env.REPRISE_ADMIN_PASSWORD || undefined,
    defaultAllowedOrigins: (env.REPRISE_ALLOWED_ORIGINS ?? '*')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    cookieSecure: boolOrAuto(env.REPRISE_COOKIE_SECURE),
    demo: env.REPRISE_DEMO !== '0' && env.REPRISE_DEMO !== 'false',
    demoMode: env.REPRISE_DEMO_MODE === 'on-demand' ? 'on-demand' : 'always',
    trustProxy: env.REPRISE_TRUST_PROXY === '1' || env.REPRISE_TRUST_PROXY === 'true',
  };
}

function intEnv(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${v}"`);
  return n;
}

function boolOrAuto(v: string | undefined): 'auto' | boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return 'auto';
}
