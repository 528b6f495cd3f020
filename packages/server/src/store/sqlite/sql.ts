import type Database from 'better-sqlite3';
import type { Sql } from '../core/sql.js';

interface Prepared {
  stmt: Database.Statement;
  /** Which argument each `?` takes: `$n` may repeat or come out of order. */
  order: number[];
}

/** Synchronous statements with `$n` placeholders, for code inside a better-sqlite3 transaction. */
export interface SyncSql {
  all<T>(sql: string, args?: readonly unknown[]): T[];
  run(sql: string, args?: readonly unknown[]): number;
  /** The rows of a query, none for other statements. */
  exec(s: { sql: string; args: readonly unknown[] }): unknown[];
}

/** `$n` statements on a better-sqlite3 database, synchronously; each statement is prepared once, on first use. */
export function syncSql(db: Database.Database): SyncSql {
  const cache = new Map<string, Prepared>();
  const prepare = (sql: string): Prepared => {
    let p = cache.get(sql);
    if (!p) {
      const order: number[] = [];
      const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
        order.push(Number(n) - 1);
        return '?';
      });
      p = { stmt: db.prepare(text), order };
      cache.set(sql, p);
    }
    return p;
  };
  const bind = (p: Prepared, args: readonly unknown[]) => p.order.map((i) => args[i]);
  return {
    all<T>(sql: string, args: readonly unknown[] = []): T[] {
      const p = prepare(sql);
      return p.stmt.all(...bind(p, args)) as T[];
    },
    run(sql: string, args: readonly unknown[] = []): number {
      const p = prepare(sql);
      return p.stmt.run(...bind(p, args)).changes;
    },
    exec({ sql, args }) {
      const p = prepare(sql);
      if (p.stmt.reader) return p.stmt.all(...bind(p, args));
      p.stmt.run(...bind(p, args));
      return [];
    },
  };
}

/** Runs `$n` statements synchronously (inside a better-sqlite3 transaction, which cannot await). */
export function sqliteSyncExec(db: Database.Database): SyncSql['exec'] {
  const q = syncSql(db);
  return (s) => q.exec(s);
}

/** The core's Sql on a better-sqlite3 database (see syncSql). */
export function sqliteSql(db: Database.Database): Sql {
  const q = syncSql(db);
  return {
    async all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
      return q.all<T>(sql, args);
    },
    async run(sql: string, args: readonly unknown[] = []): Promise<number> {
      return q.run(sql, args);
    },
  };
}
