import { bootstrap, type BootstrapResult } from '../bootstrap.js';
import type { ServerConfig } from '../config.js';
import type { Store } from '../store/types.js';

/** One line of `reprise`'s usage: the synopsis, and what it does (one or more lines). */
export interface UsageLine {
  synopsis: string;
  about: string[];
}

/** What a command gets from the dispatcher (cli/dispatch.ts). */
export interface CliContext {
  /** The server's configuration (loadConfig), read once. */
  readonly config: ServerConfig;
  /**
   * The store of `config`, opened on the first call. The dispatcher closes it when the command
   * returns or throws, so no command can leave it open; one that keeps running (serve) opens its own.
   */
  store(): Promise<Store>;
}

/** A row of the command table (cli/commands/index.ts). */
export interface CliCommand {
  /** The first word, `reprise <name>`. */
  name: string;
  /** Other spellings of the first word. */
  aliases?: string[];
  /** A second word the command requires (`users create`); without it the usage is printed. */
  sub?: string;
  usage: UsageLine[];
  /** Runs without the server's configuration: loadConfig is neither called nor able to fail it. */
  withoutConfig?: boolean;
  /** `args`: the words after the name and `sub`. Resolves to the exit code, or -1 to keep running. */
  run(args: string[], ctx: CliContext): Promise<number>;
}

/** Prints `reprise: <msg>` and returns the exit code of a refused command. */
export function fail(msg: string): number {
  console.error(`reprise: ${msg}`);
  return 2;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `fn`'s exit code; an error it throws is a refused command (`reprise: <message>`, 2) rather than a crash. */
export async function failOnThrow(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    return fail(errorMessage(err));
  }
}

/** Creates the default project and admin on a new store, and says so when it made up a password. */
export async function bootstrapStore(store: Store, config: ServerConfig): Promise<BootstrapResult> {
  const boot = await bootstrap(store, config);
  if (boot.generatedAdminPassword) {
    console.error(`first start: admin ${boot.adminEmail} created with password ${boot.generatedAdminPassword}`);
  }
  return boot;
}

/** A database URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
