import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);

/** The PostgreSQL the tests use: the one asked for, or a throwaway cluster started in its place. */
export interface PgServer {
  url: string;
  /** Only for a throwaway cluster: stops it and removes its folder. */
  stop?: () => Promise<void>;
}

/** The connection failed because nothing listens there (not: a server answered with an error). */
function nothingListens(err: unknown): boolean {
  const errors = err instanceof AggregateError ? err.errors : [err];
  return errors.some((e) => {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EADDRNOTAVAIL' || /connection timeout/i.test(String(e));
  });
}

/**
 * `url` when a server answers there; otherwise a throwaway cluster from scripts/pg/pg-start.sh
 * (initdb in a temp folder, a free port, trust auth), so the tests need no PostgreSQL set up
 * beforehand. A server that answers with an error (authentication, say) is an error, not a
 * reason to start another one.
 */
export async function ensurePostgres(url: string): Promise<PgServer> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    await probe.end();
    return { url };
  } catch (err) {
    await probe.end().catch(() => undefined);
    if (!nothingListens(err)) throw err;
  }
  const start = path.join(ROOT, 'scripts/pg/pg-start.sh');
  const stop = path.join(ROOT, 'scripts/pg/pg-stop.sh');
  let out: { stdout: string; stderr: string };
  try {
    out = await run('bash', [start], { cwd: ROOT, timeout: 120_000, env: { ...process.env, REPRISE_PG_OWNER_PID: String(process.pid) } });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`nothing answers at ${url}, and scripts/pg/pg-start.sh failed:\n${(e.stderr ?? e.message).slice(-4000)}`, {
      cause: err,
    });
  }
  // Say where the tests' database is: a reader of the run's output should not have to guess.
  process.stderr.write(`nothing answers at ${url}: the tests use a throwaway cluster\n${out.stderr}`);
  const vars = Object.fromEntries([...out.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const started = vars.REPRISE_TEST_PG_URL;
  const dir = vars.REPRISE_PG_DIR;
  if (!started || !dir) throw new Error(`scripts/pg/pg-start.sh printed no URL:\n${out.stdout}`);
  return {
    url: started,
    async stop() {
      const r = await run('bash', [stop, dir], { cwd: ROOT, timeout: 60_000 });
      process.stderr.write(r.stderr);
    },
  };
}
