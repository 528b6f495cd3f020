import { bootstrap } from '../../bootstrap.js';
import { openStore } from '../../store/open.js';
import { redactUrl, type CliCommand } from '../command.js';

/** `reprise serve`: the server, until SIGINT or SIGTERM. */
export const serve: CliCommand = {
  name: 'serve',
  usage: [{ synopsis: 'serve', about: ['start the server (env: PORT, REPRISE_DATA_DIR, ...)'] }],
  async run(_args, { config }) {
    // Its own store, not ctx.store(): the dispatcher closes that one when run() returns.
    // The app (Fastify, every route) loads only for serve: the other commands start without it.
    const { buildApp } = await import('../../app.js');
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
      config.databaseUrl
        ? `  database  ${redactUrl(config.databaseUrl)}${config.s3 ? `, chunks in s3://${config.s3.bucket}/${config.s3.prefix}` : `, chunks in ${config.dataDir}`}`
        : `  data      ${config.dataDir}`,
      `  project key (default project): ${boot.projectKey}`,
    ];
    if (boot.generatedAdminPassword) {
      lines.push(`  admin login: ${boot.adminEmail} / ${boot.generatedAdminPassword}  (shown once; set REPRISE_ADMIN_PASSWORD to choose)`);
    } else if (boot.adminEmail) {
      lines.push(`  admin login: ${boot.adminEmail} (password from REPRISE_ADMIN_PASSWORD)`);
    }
    console.log(lines.join('\n') + '\n');
    return -1; // keep running
  },
};
