import type { CliCommand } from '../command.js';

/** `reprise migrate`: brings the PostgreSQL schema up to date (SQLite migrates itself at open). */
export const migrate: CliCommand = {
  name: 'migrate',
  usage: [
    {
      synopsis: 'migrate',
      about: [
        'PostgreSQL (REPRISE_DATABASE_URL): apply pending schema migrations',
        '(serve does it at start unless REPRISE_AUTO_MIGRATE=0)',
      ],
    },
  ],
  async run(_args, { config }) {
    if (!config.databaseUrl) {
      console.log('SQLite migrates at open; `reprise migrate` is for PostgreSQL (REPRISE_DATABASE_URL)');
      return 0;
    }
    const { migrate } = await import('../../store/postgres/migrations.js');
    const { current, latest } = await migrate(config.databaseUrl, (msg) => console.log(msg));
    console.log(current === latest ? `schema is up to date (version ${latest})` : `schema migrated from version ${current} to ${latest}`);
    return 0;
  },
};
