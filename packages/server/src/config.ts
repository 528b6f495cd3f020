import path from 'node:path';
import { llmConfig, type LlmConfig } from './digest/llm.js';
import { parseEncryptionKeys, type EncryptionKey } from './store/chunks/crypto.js';
import type { S3Config } from './store/chunks/s3.js';
import { DEFAULT_PACK_MAX_BYTES, DEFAULT_PACK_WINDOW_MS, type IngestPackOptions } from './store/postgres/ingest-packer.js';
import { IP_MODES, type IpMode } from './privacy/ip.js';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './auth/login-limiter.js';
import { DEFAULT_WEBHOOK_OPTIONS, type WebhookOptions } from './webhooks/options.js';

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
  /** What of the client IP is stored on a session: anonymized (default), in full, or not at all. */
  ipMode: IpMode;
  /** Minutes between retention runs (deleting sessions past their project's retention); 0 = never. */
  retentionIntervalMinutes: number;
  /** Event chunks in an S3-compatible bucket instead of `<dataDir>/chunks` (REPRISE_S3_*). */
  s3?: S3Config;
  /**
   * PostgreSQL + S3: batches arriving within REPRISE_S3_PACK_WINDOW_MS (default 250; 0 = off) share
   * one object, up to REPRISE_S3_PACK_MAX_BYTES (default 4 MiB) each (store/postgres/ingest-packer.ts).
   */
  ingestPack: IngestPackOptions;
  /** REPRISE_ENCRYPTION_KEY: the first key encrypts new chunks, all decrypt; null = plaintext. */
  encryptionKeys: EncryptionKey[] | null;
  /** Sessions idle this long get their small chunk objects packed; 0 disables the background job. */
  compactAfterMinutes: number;
  /** REPRISE_DATABASE_URL (`postgres://…`): metadata in PostgreSQL instead of `<dataDir>/reprise.db`. */
  databaseUrl?: string;
  /** PostgreSQL: `serve` runs pending migrations at start (default); REPRISE_AUTO_MIGRATE=0 requires `reprise migrate`. */
  autoMigrate: boolean;
  /** REPRISE_MAX_SESSION_BYTES: uncompressed batch bytes one session may store; past it ingest answers 413 session_full. */
  maxSessionBytes: number;
  /** HTTP server limits against slow and piled-up clients (docs/deploy.md). */
  http: HttpLimits;
  /** Failed-login limits (REPRISE_LOGIN_MAX_FAILURES_PER_ACCOUNT / _PER_IP, REPRISE_LOGIN_WINDOW_MINUTES). */
  loginLimits: LoginLimits;
  /** The optional digest rewrite model (digest/llm.ts); null unless REPRISE_LLM_URL, _MODEL and _KEY are set. */
  llm: LlmConfig | null;
  /** The OTLP receiver (docs/otlp.md). */
  otlp: OtlpConfig;
  /** Webhook delivery: attempts, backoff, timeout, polling (REPRISE_WEBHOOK_*, docs/webhooks.md). */
  webhooks: WebhookOptions;
}

export interface OtlpConfig {
  /** REPRISE_OTLP_PENDING_SECONDS: how long spans and logs wait for a batch naming their trace id. */
  pendingSeconds: number;
  /** REPRISE_OTLP_PENDING_MAX_BYTES: pending bytes one project may hold; later unmatched items are dropped. */
  pendingMaxBytes: number;
  /** REPRISE_OTLP_REDACT_KEYS: extra attribute keys to redact (comma-separated, whole names). */
  redactKeys: string[];
  /** REPRISE_OTLP_SQL_LITERALS=keep stores db.statement as sent; default: literals become `?`. */
  sqlLiterals: boolean;
}

export const DEFAULT_OTLP_CONFIG: OtlpConfig = {
  pendingSeconds: 300,
  pendingMaxBytes: 64 * 1024 * 1024,
  redactKeys: [],
  sqlLiterals: true,
};

export interface HttpLimits {
  /** REPRISE_REQUEST_TIMEOUT_MS: a whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** REPRISE_HEADERS_TIMEOUT_MS: the request headers must arrive within this. */
  headersTimeoutMs: number;
  /** REPRISE_KEEP_ALIVE_TIMEOUT_MS: an idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** REPRISE_IDLE_TIMEOUT_MS: a connection with no traffic at all is closed after this. */
  idleTimeoutMs: number;
  /** REPRISE_MAX_CONNECTIONS: open connections at once; more are refused (keep it well under `ulimit -n`). */
  maxConnections: number;
}

/** 256 MiB of batch JSON: hours of a busy page; more than a browser replays comfortably. */
export const DEFAULT_MAX_SESSION_BYTES = 256 * 1024 * 1024;

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxConnections: 768,
};

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
    ipMode: ipModeEnv(env.REPRISE_IP),
    retentionIntervalMinutes: minutesEnv(env.REPRISE_RETENTION_INTERVAL_MINUTES, 60, 'REPRISE_RETENTION_INTERVAL_MINUTES'),
    s3: s3Config(env),
    ingestPack: {
      windowMs: countEnv(env.REPRISE_S3_PACK_WINDOW_MS, DEFAULT_PACK_WINDOW_MS, 'REPRISE_S3_PACK_WINDOW_MS'),
      maxBytes: positiveIntEnv(env.REPRISE_S3_PACK_MAX_BYTES, DEFAULT_PACK_MAX_BYTES, 'REPRISE_S3_PACK_MAX_BYTES'),
    },
    encryptionKeys: env.REPRISE_ENCRYPTION_KEY?.trim() ? parseEncryptionKeys(env.REPRISE_ENCRYPTION_KEY) : null,
    compactAfterMinutes: minutesEnv(env.REPRISE_COMPACT_AFTER_MINUTES, 30, 'REPRISE_COMPACT_AFTER_MINUTES'),
    databaseUrl: databaseUrlEnv(env.REPRISE_DATABASE_URL),
    autoMigrate: env.REPRISE_AUTO_MIGRATE !== '0' && env.REPRISE_AUTO_MIGRATE !== 'false',
    maxSessionBytes: positiveIntEnv(env.REPRISE_MAX_SESSION_BYTES, DEFAULT_MAX_SESSION_BYTES, 'REPRISE_MAX_SESSION_BYTES'),
    http: {
      requestTimeoutMs: positiveIntEnv(env.REPRISE_REQUEST_TIMEOUT_MS, DEFAULT_HTTP_LIMITS.requestTimeoutMs, 'REPRISE_REQUEST_TIMEOUT_MS'),
      headersTimeoutMs: positiveIntEnv(env.REPRISE_HEADERS_TIMEOUT_MS, DEFAULT_HTTP_LIMITS.headersTimeoutMs, 'REPRISE_HEADERS_TIMEOUT_MS'),
      keepAliveTimeoutMs: positiveIntEnv(
        env.REPRISE_KEEP_ALIVE_TIMEOUT_MS,
        DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs,
        'REPRISE_KEEP_ALIVE_TIMEOUT_MS',
      ),
      idleTimeoutMs: positiveIntEnv(env.REPRISE_IDLE_TIMEOUT_MS, DEFAULT_HTTP_LIMITS.idleTimeoutMs, 'REPRISE_IDLE_TIMEOUT_MS'),
      maxConnections: positiveIntEnv(env.REPRISE_MAX_CONNECTIONS, DEFAULT_HTTP_LIMITS.maxConnections, 'REPRISE_MAX_CONNECTIONS'),
    },
    loginLimits: {
      perAccount: countEnv(
        env.REPRISE_LOGIN_MAX_FAILURES_PER_ACCOUNT,
        DEFAULT_LOGIN_LIMITS.perAccount,
        'REPRISE_LOGIN_MAX_FAILURES_PER_ACCOUNT',
      ),
      perIp: countEnv(env.REPRISE_LOGIN_MAX_FAILURES_PER_IP, DEFAULT_LOGIN_LIMITS.perIp, 'REPRISE_LOGIN_MAX_FAILURES_PER_IP'),
      windowMs:
        minutesEnv(env.REPRISE_LOGIN_WINDOW_MINUTES, DEFAULT_LOGIN_LIMITS.windowMs / 60_000, 'REPRISE_LOGIN_WINDOW_MINUTES') * 60_000,
    },
    llm: llmConfig(env),
    otlp: {
      pendingSeconds: positiveIntEnv(env.REPRISE_OTLP_PENDING_SECONDS, DEFAULT_OTLP_CONFIG.pendingSeconds, 'REPRISE_OTLP_PENDING_SECONDS'),
      pendingMaxBytes: positiveIntEnv(
        env.REPRISE_OTLP_PENDING_MAX_BYTES,
        DEFAULT_OTLP_CONFIG.pendingMaxBytes,
        'REPRISE_OTLP_PENDING_MAX_BYTES',
      ),
      redactKeys: (env.REPRISE_OTLP_REDACT_KEYS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      sqlLiterals: env.REPRISE_OTLP_SQL_LITERALS !== 'keep',
    },
    webhooks: {
      maxAttempts: positiveIntEnv(env.REPRISE_WEBHOOK_MAX_ATTEMPTS, DEFAULT_WEBHOOK_OPTIONS.maxAttempts, 'REPRISE_WEBHOOK_MAX_ATTEMPTS'),
      backoffMs: positiveIntEnv(env.REPRISE_WEBHOOK_BACKOFF_MS, DEFAULT_WEBHOOK_OPTIONS.backoffMs, 'REPRISE_WEBHOOK_BACKOFF_MS'),
      timeoutMs: positiveIntEnv(env.REPRISE_WEBHOOK_TIMEOUT_MS, DEFAULT_WEBHOOK_OPTIONS.timeoutMs, 'REPRISE_WEBHOOK_TIMEOUT_MS'),
      pollMs: positiveIntEnv(env.REPRISE_WEBHOOK_POLL_MS, DEFAULT_WEBHOOK_OPTIONS.pollMs, 'REPRISE_WEBHOOK_POLL_MS'),
      alertPollMs: positiveIntEnv(env.REPRISE_ALERT_POLL_MS, DEFAULT_WEBHOOK_OPTIONS.alertPollMs, 'REPRISE_ALERT_POLL_MS'),
      alertLagMs: positiveIntEnv(env.REPRISE_ALERT_LAG_MS, DEFAULT_WEBHOOK_OPTIONS.alertLagMs, 'REPRISE_ALERT_LAG_MS'),
    },
  };
}

function positiveIntEnv(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
}

function databaseUrlEnv(v: string | undefined): string | undefined {
  const url = v?.trim();
  if (!url) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('REPRISE_DATABASE_URL must be a postgres:// URL');
  return url;
}

function s3Config(env: NodeJS.ProcessEnv): S3Config | undefined {
  const bucket = env.REPRISE_S3_BUCKET?.trim();
  if (!bucket) {
    const set = ['ENDPOINT', 'REGION', 'ACCESS_KEY_ID', 'SECRET_ACCESS_KEY', 'PREFIX', 'FORCE_PATH_STYLE'].filter(
      (k) => env[`REPRISE_S3_${k}`],
    );
    if (set.length > 0) throw new Error(`REPRISE_S3_BUCKET is required when REPRISE_S3_${set[0]} is set`);
    return undefined;
  }
  const accessKeyId = env.REPRISE_S3_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.REPRISE_S3_SECRET_ACCESS_KEY || undefined;
  if (!accessKeyId !== !secretAccessKey) {
    throw new Error('REPRISE_S3_ACCESS_KEY_ID and REPRISE_S3_SECRET_ACCESS_KEY must be set together');
  }
  const endpoint = env.REPRISE_S3_ENDPOINT?.trim() || undefined;
  const pathStyle = env.REPRISE_S3_FORCE_PATH_STYLE;
  return {
    endpoint,
    bucket,
    region: env.REPRISE_S3_REGION?.trim() || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    prefix: env.REPRISE_S3_PREFIX ?? '',
    // Self-hosted S3 (MinIO, Swift, Ceph) mostly needs path-style; AWS itself does not.
    forcePathStyle: pathStyle === undefined || pathStyle === '' ? !!endpoint : pathStyle === 'true' || pathStyle === '1',
  };
}

function ipModeEnv(v: string | undefined): IpMode {
  if (v === undefined || v === '') return 'anonymize';
  if (!(IP_MODES as readonly string[]).includes(v)) throw new Error(`REPRISE_IP must be one of ${IP_MODES.join(', ')}, got "${v}"`);
  return v as IpMode;
}

function minutesEnv(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  // setTimeout's limit is about 24.8 days.
  if (!Number.isFinite(n) || n < 0 || n > 35_000) throw new Error(`${name} must be a number of minutes from 0 to 35000, got "${v}"`);
  return n;
}

/** A count from 0 (0 = no limit). */
function countEnv(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (0 = no limit), got "${v}"`);
  return n;
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
