import pg from 'pg';

/** int8 (count(*), BIGINT columns: epoch ms) and numeric (sum of BIGINT) as JS numbers: every value stays below 2^53. */
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => (v === null ? null : Number(v));
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format);
  },
};

export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface PoolOptions {
  max?: number;
  /** application_name, so `pg_stat_activity` tells instances and roles apart. */
  name?: string;
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.name ?? 'reprise',
    types: types as pg.CustomTypesConfig,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  return pool;
}

/** A client from the pool for one transaction: COMMIT when `fn` resolves, ROLLBACK when it throws. */
export async function withTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** A new client outside the pool (LISTEN, migrations under an advisory lock). */
export function createClient(url: string, name = 'reprise'): pg.Client {
  return new pg.Client({ connectionString: url, application_name: name, types: types as pg.CustomTypesConfig });
}
