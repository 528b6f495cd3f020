#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { hashPassword } from './auth/passwords.js';
import { bootstrap } from './bootstrap.js';
import { loadConfig } from './config.js';
import { randomSecret, sha256 } from './ids.js';
import { createLink, parseDuration } from './links/service.js';
import { openStore } from './store/open.js';

const USAGE = `reprise <command>

  serve                                   start the server (env: PORT, REPRISE_DATA_DIR, ...)
  users create --email E [--password P] [--role admin|member]
  tokens create --email E [--name N]      print a bearer API token for that user
  link create --url U --label L --expires 24h [--max-sessions N]
                                          print a magic recording link (expires: 30m, 24h, 7d or seconds;
                                          base URL from REPRISE_PUBLIC_URL)
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  const config = loadConfig();
  if (cmd === 'serve') return serve();
  if (cmd === 'users' && sub === 'create') {
    const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' } } });
    if (!values.email) return fail('--email is required');
    const store = openStore(config);
    const password = values.password ?? randomSecret().slice(0, 20);
    const user = await store.createUser({
      email: values.email,
      passwordHash: await hashPassword(password),
      role: values.role === 'admin' ? 'admin' : 'member',
    });
    console.log(`created ${user.role} ${user.email}${values.password ? '' : ` with password ${password}`}`);
    await store.close();
    return 0;
  }
  if (cmd === 'tokens' && sub === 'create') {
    const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, name: { type: 'string' } } });
    if (!values.email) return fail('--email is required');
    const store = openStore(config);
    const user = await store.getUserByEmail(values.email);
    if (!user) return fail(`no user ${values.email}`);
    const token = randomSecret('rpt_');
    await store.createApiToken({ tokenHash: sha256(token), userId: user.id, name: values.name ?? 'cli' });
    console.log(token);
    await store.close();
    return 0;
  }
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
    const store = openStore(config);
    try {
      const boot = await bootstrap(store, config);
      if (boot.generatedAdminPassword) {
        console.error(`first start: admin ${boot.adminEmail} created with password ${boot.generatedAdminPassword}`);
      }
      const [project] = await store.listProjects();
      const link = await createLink(store, {
        projectId: project!.id,
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
  console.log(USAGE);
  return cmd ? 2 : 0;
}

async function serve(): Promise<number> {
  const config = loadConfig();
  const store = openStore(config);
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
    `  data      ${config.dataDir}`,
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
