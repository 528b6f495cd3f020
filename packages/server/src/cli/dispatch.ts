import { loadConfig, type ServerConfig } from '../config.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import type { CliCommand, CliContext } from './command.js';
import { COMMANDS } from './commands/index.js';

/** Where the descriptions of the usage start: a longer synopsis gets a line of its own. */
const ABOUT_COLUMN = 42;

/** `reprise`'s usage, one entry per line of each command's `usage`, in table order. */
export function usage(commands: readonly CliCommand[] = COMMANDS): string {
  const indent = ' '.repeat(ABOUT_COLUMN);
  const lines = commands
    .flatMap((c) => c.usage)
    .flatMap(({ synopsis, about }) => {
      const [first = '', ...more] = about;
      const head = `  ${synopsis}`;
      const top = head.length + 2 <= ABOUT_COLUMN ? [head.padEnd(ABOUT_COLUMN) + first] : [head, indent + first];
      return [...top, ...more.map((line) => indent + line)];
    });
  return `reprise <command>\n\n${lines.join('\n')}\n`;
}

/**
 * Runs `reprise <argv>`: finds the command in the table, gives it the configuration and a store
 * opened on demand, and closes that store however the command ends. Resolves to the exit code
 * (-1: keep running); an error a command throws rejects, with the store already closed.
 */
export async function runCli(argv: string[], commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [name, sub] = argv;
  const command = commands.find((c) => (c.name === name || c.aliases?.includes(name ?? '')) && (c.sub === undefined || c.sub === sub));
  let config: ServerConfig | undefined;
  const configOnce = (): ServerConfig => (config ??= loadConfig());
  // The configuration is read before anything else, the usage included: a bad setting says so first.
  if (!command?.withoutConfig) configOnce();
  if (!command) {
    console.log(usage(commands));
    return name ? 2 : 0;
  }
  let opened: Promise<Store> | undefined;
  const ctx: CliContext = {
    get config() {
      return configOnce();
    },
    store: () => (opened ??= openStore(configOnce())),
  };
  try {
    return await command.run(argv.slice(command.sub === undefined ? 1 : 2), ctx);
  } finally {
    // Also when the command threw: SQLite checkpoints its WAL, PostgreSQL's pool ends.
    if (opened)
      await opened.then(
        (store) => store.close(),
        () => undefined,
      );
  }
}
