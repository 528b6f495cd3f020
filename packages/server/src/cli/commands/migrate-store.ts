import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type ServerConfig } from '../../config.js';
import { openCipher, openStore } from '../../store/open.js';
import { errorMessage, fail, failOnThrow, redactUrl, type CliCommand } from '../command.js';

/** `reprise migrate-store`: SQLite data dir → PostgreSQL (+ S3), see lifecycle/migrate-store.ts. */
export const migrateStore: CliCommand = {
  name: 'migrate-store',
  usage: [
    {
      synopsis: 'migrate-store --from DIR [--to postgres://…] [--concurrency N]',
      about: [
        'copy a SQLite data dir (database + chunks) into PostgreSQL + S3',
        '(target: --to or REPRISE_DATABASE_URL, with REPRISE_S3_*); re-runnable',
      ],
    },
  ],
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { from: { type: 'string' }, to: { type: 'string' }, concurrency: { type: 'string' } },
    });
    if (!values.from || positionals.length > 0)
      return fail('usage: reprise migrate-store --from <data dir> [--to postgres://…] [--concurrency N]');
    const from = path.resolve(values.from);
    if (!existsSync(path.join(from, 'reprise.db')))
      return fail(`${from} holds no reprise.db: --from takes the SQLite data dir (REPRISE_DATA_DIR)`);
    const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) return fail('--concurrency must be an integer from 1 to 64');
    let config: ServerConfig;
    try {
      config = loadConfig(values.to === undefined ? process.env : { ...process.env, REPRISE_DATABASE_URL: values.to });
    } catch (err) {
      return fail(errorMessage(err));
    }
    if (!config.databaseUrl) return fail('no target: pass --to postgres://… or set REPRISE_DATABASE_URL (and REPRISE_S3_* for the chunks)');
    const { SqliteStore } = await import('../../store/sqlite/sqlite-store.js');
    const { LocalChunkStore } = await import('../../store/chunks/local.js');
    const { migrateStore } = await import('../../lifecycle/migrate-store.js');
    const log = (line: string) => console.error(line);
    const target = config.s3
      ? `${redactUrl(config.databaseUrl)} + s3://${config.s3.bucket}/${config.s3.prefix}`
      : `${redactUrl(config.databaseUrl)} + local chunks in ${path.join(config.dataDir, 'chunks')}`;
    log(`migrate-store: ${from} → ${target}`);
    if (!config.s3) log('warning: REPRISE_S3_BUCKET is not set, so the chunks go to local files: fine for one instance, not for several');
    // The same REPRISE_ENCRYPTION_KEY decrypts the source's chunks and encrypts the target's.
    const source = new SqliteStore(from, { chunks: new LocalChunkStore(path.join(from, 'chunks')), cipher: openCipher(config) });
    try {
      // Its own stores, not ctx.store(): the source is the SQLite dir, the target is migrated at open.
      return await failOnThrow(async () => {
        // Without ingest packing: each worker appends a session's batches one after another, so a
        // window would only add its wait to every batch; the compaction job packs them later.
        const dest = await openStore({ ...config, ingestPack: { ...config.ingestPack, windowMs: 0 } }, { migrate: true, log });
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
          return 0;
        } finally {
          await dest.close();
        }
      });
    } finally {
      await source.close();
    }
  },
};
