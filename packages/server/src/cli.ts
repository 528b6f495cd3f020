#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { hashPassword } from './auth/passwords.js';
import { bootstrap } from './bootstrap.js';
import { loadConfig } from './config.js';
import { randomSecret, sha256 } from './ids.js';
import { createLink, parseDuration } from './links/service.js';
import { Caller } from './auth/access.js';
import { parseTokenRequest, tokenInfo } from './api/tokens.js';
import { openCipher, openStore } from './store/open.js';
import { CHUNK_USAGE, chunksCommand, compactCommand } from './store/chunks/cli.js';
import type { SessionSummary } from '@reprise/protocol';
import { parseQuery, SESSION_SORTS } from '@reprise/protocol/query';
import type { ServerConfig } from './config.js';
import { decodeSortCursor, isSessionSort } from './search/sort.js';
import { exportSession, importSession, type ExportFormat } from './lifecycle/transfer.js';
import { runRetention } from './lifecycle/retention.js';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MCP_USAGE, mcpStdioCommand } from './mcp/stdio.js';

const USAGE = `reprise <command>

  serve                                   start the server (env: PORT, REPRISE_DATA_DIR, ...)
  migrate                                 PostgreSQL (REPRISE_DATABASE_URL): apply pending schema migrations
                                          (serve does it at start unless REPRISE_AUTO_MIGRATE=0)
  migrate-store --from DIR [--to postgres://…] [--concurrency N]
                                          copy a SQLite data dir (database + chunks) into PostgreSQL + S3
                                          (target: --to or REPRISE_DATABASE_URL, with REPRISE_S3_*); re-runnable
  users create --email E [--password P] [--role admin|member|viewer] [--projects ID,…]
                                          a member or viewer gets that role in the projects (default: all)
  token create --email E [--name N] [--scope read|write] [--projects ID,…] [--expires 90d]
                                          print a new bearer API token for that user (shown once); it never
                                          grants more than the user has (docs/access.md)
  token list --email E [--json]           that user's tokens: id, name, scope, projects, expiry, status
  token revoke --email E <tokenId>        revoke one of that user's tokens
  link create --url U --label L --expires 24h [--max-sessions N]
                                          print a magic recording link (expires: 30m, 24h, 7d or seconds;
                                          base URL from REPRISE_PUBLIC_URL)
  sessions search '<query>' [--sort newest|oldest|longest|errors|rage|active] [--limit N] [--cursor C] [--json]
                                          sessions matching a search query (docs/search.md), one per line:
                                          id, start, duration, first URL, counts; --json prints the page
  retention run                           delete the sessions past their project's retention now, and the
                                          captured assets no remaining session references
  export <sessionId> [--format reprise|rrweb] [--out FILE]
                                          write a session as Reprise JSON (default; re-importable) or as a
                                          plain rrweb events array (rrweb-player), to FILE or stdout
  import <FILE> [--project ID]            import a Reprise export (keeps its session id unless taken) or an
                                          rrweb events array (a new session)
${CHUNK_USAGE}
${MCP_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  // Before loadConfig: the stdio relay needs no server config, and its stdout is the protocol.
  if (cmd === 'mcp') return mcpStdioCommand(argv.slice(1));
  const config = loadConfig();
  if (cmd === 'serve') return serve();
  if (cmd === 'migrate') return migrateCommand(config);
  if (cmd === 'migrate-store') return migrateStoreCommand(argv.slice(1));
  if (cmd === 'users' && sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, projects: { type: 'string' } },
    });
    if (!values.email) return fail('--email is required');
    const role = values.role ?? 'member';
    if (role !== 'admin' && role !== 'member' && role !== 'viewer') return fail('--role must be admin, member or viewer');
    const store = await openStore(config);
    try {
      const all = (await store.listProjects()).map((p) => p.id);
      const projects = values.projects ? values.projects.split(',').map((p) => p.trim()).filter(Boolean) : all;
      const unknown = projects.find((p) => !all.includes(p));
      if (unknown) return fail(`no project ${unknown}`);
      const password = values.password ?? randomSecret().slice(0, 20);
      const user = await store.createUser({
        email: values.email,
        passwordHash: await hashPassword(password),
        role: role === 'admin' ? 'admin' : 'member',
      });
      // A member or viewer gets that role in the given projects (default: every project); an admin needs none.
      if (role !== 'admin') for (const projectId of projects) await store.setMembership({ projectId, userId: user.id, role });
      console.log(`created ${role} ${user.email}${values.password ? '' : ` with password ${password}`}`);
    } finally {
      await store.close();
    }
    return 0;
  }
  if (cmd === 'token' || cmd === 'tokens') return tokenCommand(sub, rest, config);
  if ((cmd === 'link' || cmd === 'links') && sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { url: { type: 'string' }, label: { type: 'string' }, expires: { type: 'string' }, 'max-sessions': { type: 'string' } },
    });
    if (!values.url) return fail('--url is required');
    const ttl = parseDuration(values.expires ?? '24h');
    if (ttl === null) return fail(`--expires must look like 30m, 24h, 7d or a number of seconds, got "${values.expires}"`);
    let maxSessions: number | undefined;
    if (values['max-sessions'] !== undefined) {
      maxSessions = Number(values['max-sessions']);
      if (!Number.isInteger(maxSessions) || maxSessions < 1) return fail('--max-sessions must be a positive integer');
    }
    const store = await openStore(config);
    try {
      const boot = await bootstrap(store, config);
      if (boot.generatedAdminPassword) {
        console.error(`first start: admin ${boot.adminEmail} created with password ${boot.generatedAdminPassword}`);
      }
      const [project] = await store.listProjects();
      const link = await createLink(store, {
        projectId: project!.id,
        allowedOrigins: project!.allowedOrigins,
        targetUrl: values.url,
        label: values.label ?? '',
        expiresInSeconds: ttl,
        maxSessions,
        createdBy: null,
        publicBase: config.publicUrl,
      });
      console.log(link.url);
      console.error(`expires ${new Date(link.expiresAt).toISOString()}${link.maxSessions ? `, at most ${link.maxSessions} session(s)` : ''}`);
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    } finally {
      await store.close();
    }
    return 0;
  }
  if (cmd === 'sessions' && sub === 'search') return searchCommand(rest, config);
  if (cmd === 'compact') return compactCommand(argv.slice(1), config);
  if (cmd === 'chunks') return chunksCommand(sub, rest, config);
  if (cmd === 'retention' && sub === 'run') {
    const store = await openStore(config);
    try {
      const { sessions: n, assets } = await runRetention(store, Date.now());
      console.log(`deleted ${n} expired session${n === 1 ? '' : 's'}`);
      if (assets.rows > 0) console.log(`deleted ${assets.rows} unreferenced asset${assets.rows === 1 ? '' : 's'}`);
    } finally {
      await store.close();
    }
    return 0;
  }
  if (cmd === 'export') return exportCommand(argv.slice(1), config);
  if (cmd === 'import') return importCommand(argv.slice(1), config);
  console.log(USAGE);
  return cmd ? 2 : 0;
}

async function tokenCommand(sub: string | undefined, args: string[], config: ServerConfig): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      email: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string' }, projects: { type: 'string' },
      expires: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') return fail('usage: reprise token create|list|revoke --email E …');
  if (!values.email) return fail('--email is required');
  const store = await openStore(config);
  try {
    const user = await store.getUserByEmail(values.email);
    if (!user) return fail(`no user ${values.email}`);
    const now = Date.now();
    if (sub === 'list') {
      const tokens = (await store.listApiTokens(user.id)).map((t) => tokenInfo(t, now));
      if (values.json) console.log(JSON.stringify(tokens, null, 2));
      for (const t of values.json ? [] : tokens) {
        const expires = t.expiresAt === null ? 'never' : new Date(t.expiresAt).toISOString();
        console.log(`${t.id}\t${t.status}\t${t.scope}\t${t.projectIds?.join(',') ?? 'all projects'}\texpires ${expires}\t${t.name}`);
      }
      return 0;
    }
    if (sub === 'revoke') {
      const id = positionals[0];
      if (!id) return fail('usage: reprise token revoke --email E <tokenId>');
      if (!(await store.revokeApiToken(id, user.id, now))) return fail(`${values.email} has no token ${id}`);
      console.log(`revoked ${id}`);
      return 0;
    }
    let expiresInSeconds: number | null = null;
    if (values.expires !== undefined) {
      expiresInSeconds = parseDuration(values.expires);
      if (expiresInSeconds === null) return fail(`--expires must look like 30m, 24h, 90d or a number of seconds, got "${values.expires}"`);
    }
    const projects = (await store.listProjects()).map((p) => p.id);
    const body = {
      name: values.name ?? 'cli',
      scope: values.scope ?? 'write',
      projectIds: values.projects ? values.projects.split(',').map((p) => p.trim()).filter(Boolean) : null,
      expiresInSeconds,
    };
    let input: ReturnType<typeof parseTokenRequest>;
    try {
      input = parseTokenRequest(body, projects);
      (await Caller.load(store, user, null)).assertCanGrant(input.scope, input.projectIds, projects);
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    const token = randomSecret('rpt_');
    const info = await store.createApiToken({
      tokenHash: sha256(token), userId: user.id, name: input.name, scope: input.scope, projectIds: input.projectIds,
      expiresAt: input.expiresInSeconds === null ? null : now + input.expiresInSeconds * 1000,
    });
    console.log(token);
    console.error(`${info.id}: ${info.scope}, ${info.projectIds?.join(',') ?? 'all projects'}, expires ${info.expiresAt === null ? 'never' : new Date(info.expiresAt).toISOString()}`);
    return 0;
  } finally {
    await store.close();
  }
}

async function searchCommand(args: string[], config: ServerConfig): Promise<number> {
  // Not parseArgs: a query may start with '-' (`-has:feedback`), which is no option.
  const values: { sort?: string; limit?: string; cursor?: string; json?: boolean } = {};
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const opt = /^--(sort|limit|cursor)(?:=(.*))?$/.exec(a);
    if (opt) {
      const v = opt[2] ?? args[++i];
      if (v === undefined) return fail(`--${opt[1]} needs a value`);
      values[opt[1] as 'sort' | 'limit' | 'cursor'] = v;
    } else if (a === '--json') {
      values.json = true;
    } else if (a === '--') {
      words.push(...args.slice(i + 1));
      break;
    } else {
      words.push(a);
    }
  }
  const text = words.join(' ');
  const parsed = parseQuery(text);
  if (!parsed.ok) {
    const { message, position, length } = parsed.error;
    return fail(`invalid query: ${message}\n  ${text}\n  ${' '.repeat(position)}${'^'.repeat(Math.max(1, length))}`);
  }
  const sort = values.sort ?? 'newest';
  if (!isSessionSort(sort)) return fail(`--sort must be one of ${SESSION_SORTS.join(', ')}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return fail('--limit must be an integer from 1 to 10000');
  const cursor = values.cursor ?? null;
  if (cursor && !decodeSortCursor(sort, cursor)) return fail('--cursor is not valid for this sort');
  const store = await openStore(config);
  try {
    const page = await store.searchSessions({ ast: parsed.ast, sort, limit, cursor, now: Date.now() });
    if (values.json) {
      console.log(JSON.stringify(page, null, 2));
    } else {
      for (const s of page.sessions) console.log(sessionLine(s));
      if (page.nextCursor) console.error(`more: --cursor ${page.nextCursor}`);
      else if (page.sessions.length === 0) console.error('no matching sessions');
    }
  } finally {
    await store.close();
  }
  return 0;
}

async function exportCommand(args: string[], config: ServerConfig): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'reprise' }, out: { type: 'string' } },
  });
  const [sessionId] = positionals;
  if (!sessionId || positionals.length > 1) return fail('usage: reprise export <sessionId> [--format reprise|rrweb] [--out FILE]');
  if (values.format !== 'reprise' && values.format !== 'rrweb') return fail('--format must be reprise or rrweb');
  const store = await openStore(config);
  try {
    const data = await exportSession(store, sessionId, values.format as ExportFormat);
    if (!data) return fail(`no session ${sessionId}`);
    const json = JSON.stringify(data);
    if (values.out) {
      const tmp = `${values.out}.${process.pid}.tmp`;
      await writeFile(tmp, json);
      await rename(tmp, values.out);
      console.error(`wrote ${values.out} (${values.format})`);
    } else {
      // main() exits the process next: wait until a piped stdout has taken everything.
      await new Promise<void>((resolve, reject) => process.stdout.write(json + '\n', (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    await store.close();
  }
  return 0;
}

async function importCommand(args: string[], config: ServerConfig): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { project: { type: 'string' } } });
  const [file] = positionals;
  if (!file || positionals.length > 1) return fail('usage: reprise import <FILE> [--project ID]');
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return fail(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const store = await openStore(config);
  try {
    const boot = await bootstrap(store, config);
    if (boot.generatedAdminPassword) {
      console.error(`first start: admin ${boot.adminEmail} created with password ${boot.generatedAdminPassword}`);
    }
    const r = await importSession(store, data, { projectId: values.project });
    if (r.takenId) console.error(`session id ${r.takenId} is taken: imported as ${r.sessionId}`);
    console.error(`imported ${r.format} file: ${r.batches} batch${r.batches === 1 ? '' : 'es'}, ${r.events} events, project ${r.projectId}`);
    console.log(r.sessionId);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  } finally {
    await store.close();
  }
  return 0;
}

/** `id  start  duration  first URL  counts` (only the counts that are not zero). */
function sessionLine(s: SessionSummary): string {
  const c = s.counts;
  const counts = [
    ['errors', c.errors], ['console_errors', c.consoleErrors], ['4xx', c.network4xx], ['5xx', c.network5xx],
    ['failed', c.networkFailed], ['rage', c.rageClicks], ['dead', c.deadClicks], ['error_clicks', c.errorClicks],
    ['feedback', c.feedback], ['clicks', c.clicks],
  ].filter(([, n]) => (n as number) > 0).map(([k, n]) => `${k}=${n}`);
  return [
    s.id,
    new Date(s.startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    formatDuration(s.durationMs),
    s.firstUrl ?? '-',
    counts.join(' ') || '-',
  ].join('  ');
}

function formatDuration(ms: number): string {
  const sec = Math.round(ms / 1000);
  if (sec < 60) return `${sec}s`;
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m}m${String(sec % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `reprise migrate`: brings the PostgreSQL schema up to date (SQLite migrates itself at open). */
async function migrateCommand(config: ServerConfig): Promise<number> {
  if (!config.databaseUrl) {
    console.log('SQLite migrates at open; `reprise migrate` is for PostgreSQL (REPRISE_DATABASE_URL)');
    return 0;
  }
  const { migrate } = await import('./store/postgres/migrations.js');
  const { current, latest } = await migrate(config.databaseUrl, (msg) => console.log(msg));
  console.log(current === latest ? `schema is up to date (version ${latest})` : `schema migrated from version ${current} to ${latest}`);
  return 0;
}

/** `reprise migrate-store`: SQLite data dir → PostgreSQL (+ S3), see lifecycle/migrate-store.ts. */
async function migrateStoreCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, concurrency: { type: 'string' } },
  });
  if (!values.from || positionals.length > 0) return fail('usage: reprise migrate-store --from <data dir> [--to postgres://…] [--concurrency N]');
  const from = path.resolve(values.from);
  if (!existsSync(path.join(from, 'reprise.db'))) return fail(`${from} holds no reprise.db: --from takes the SQLite data dir (REPRISE_DATA_DIR)`);
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) return fail('--concurrency must be an integer from 1 to 64');
  let config: ServerConfig;
  try {
    config = loadConfig(values.to === undefined ? process.env : { ...process.env, REPRISE_DATABASE_URL: values.to });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  if (!config.databaseUrl) return fail('no target: pass --to postgres://… or set REPRISE_DATABASE_URL (and REPRISE_S3_* for the chunks)');
  const { SqliteStore } = await import('./store/sqlite/sqlite-store.js');
  const { LocalChunkStore } = await import('./store/chunks/local.js');
  const { migrateStore } = await import('./lifecycle/migrate-store.js');
  const log = (line: string) => console.error(line);
  const target = config.s3 ? `${redactUrl(config.databaseUrl)} + s3://${config.s3.bucket}/${config.s3.prefix}` : `${redactUrl(config.databaseUrl)} + local chunks in ${path.join(config.dataDir, 'chunks')}`;
  log(`migrate-store: ${from} → ${target}`);
  if (!config.s3) log('warning: REPRISE_S3_BUCKET is not set, so the chunks go to local files: fine for one instance, not for several');
  // The same REPRISE_ENCRYPTION_KEY decrypts the source's chunks and encrypts the target's.
  const source = new SqliteStore(from, { chunks: new LocalChunkStore(path.join(from, 'chunks')), cipher: openCipher(config) });
  try {
    const dest = await openStore(config, { migrate: true, log });
    try {
      const r = await migrateStore(source, dest, { concurrency, log });
      const secs = (r.ms / 1000).toFixed(1);
      console.log(
        `done in ${secs} s: ${r.projects} project(s), ${r.users} user(s), ${r.apiTokens} API token(s), ${r.loginSessions} login session(s), ` +
          `${r.links} link(s), ${r.savedSearches} saved search(es); sessions: ${r.sessions} in the source, ${r.copiedSessions} copied, ` +
          `${r.skippedSessions} already there; ${r.batches} batches (${r.duplicateBatches} already there), ${r.events} events`,
      );
      for (const f of r.failed) log(`failed: session ${f.sessionId}: ${f.error}`);
      if (r.failed.length > 0) return fail(`${r.failed.length} session(s) failed; fix the cause and run the same command again`);
    } finally {
      await dest.close();
    }
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  } finally {
    await source.close();
  }
  return 0;
}

/** A database URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

async function serve(): Promise<number> {
  const config = loadConfig();
  const store = await openStore(config);
  const boot = await bootstrap(store, config);
  const app = await buildApp({ store, config, demoProjectKey: config.demo ? boot.projectKey : undefined, logger: true });
  const shutdown = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ port: config.port, host: config.host });
  const base = config.publicUrl;
  const lines = [
    '',
    'Reprise is running',
    `  viewer    ${base}/`,
    `  demo shop ${base}/demo/`,
    `  SDK       ${base}/sdk/reprise.js (always-on), ${base}/sdk/loader.js (support links only)`,
    `  links     ${base}/links`,
    `  ingest    ${base}/ingest/v1/batch`,
    `  API       ${base}/api/v1/`,
    config.databaseUrl ? `  database  ${redactUrl(config.databaseUrl)}${config.s3 ? `, chunks in s3://${config.s3.bucket}/${config.s3.prefix}` : `, chunks in ${config.dataDir}`}` : `  data      ${config.dataDir}`,
    `  project key (default project): ${boot.projectKey}`,
  ];
  if (boot.generatedAdminPassword) {
    lines.push(`  admin login: ${boot.adminEmail} / ${boot.generatedAdminPassword}  (shown once; set REPRISE_ADMIN_PASSWORD to choose)`);
  } else if (boot.adminEmail) {
    lines.push(`  admin login: ${boot.adminEmail} (password from REPRISE_ADMIN_PASSWORD)`);
  }
  console.log(lines.join('\n') + '\n');
  return -1; // keep running
}

function fail(msg: string): number {
  console.error(`reprise: ${msg}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
