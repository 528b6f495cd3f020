import type pg from 'pg';
import type { Sql } from '../core/sql.js';

/** The core's Sql on the pool: the core's statements are already PostgreSQL's. */
export function pgSql(pool: pg.Pool): Sql {
  return {
    async all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
      return (await pool.query(sql, [...args])).rows as T[];
    },
    async run(sql: string, args: readonly unknown[] = []): Promise<number> {
      return (await pool.query(sql, [...args])).rowCount ?? 0;
    },
  };
}
