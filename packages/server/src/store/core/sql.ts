/**
 * The little a backend-independent query needs from a database: statements written once, with
 * PostgreSQL's `$1…$n` placeholders (the SQLite adapter, sqlite/sql.ts, turns them into `?`).
 * Only for SQL both dialects read alike; what differs stays in the backend's own files.
 */
export interface Sql {
  /** The rows a query returns. */
  all<T>(sql: string, args?: readonly unknown[]): Promise<T[]>;
  /** How many rows a statement changed. */
  run(sql: string, args?: readonly unknown[]): Promise<number>;
}
