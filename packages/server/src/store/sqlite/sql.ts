import type Database from 'better-sqlite3';
import type { Sql } from '../core/sql.js';

interface Prepared {
  stmt: Database.Statement;
  /** Which argument each `?` takes: `$n` may repeat or come out of order. */
  order: number[];
}

/** `$n` statements prepared once, on first use, for better-sqlite3. */
function preparer(db: Database.Database): (sql: string) => Prepared {
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
  return prepare;
}

const bind = (p: Prepared, args: readonly unknown[]) => p.order.map((i) => args[i]);

/**
 * Runs `$n` statements synchronously (inside a better-sqlite3 transaction, which cannot await):
 * the rows of a query, none for other statements.
 */
export function sqliteSyncExec(db: Database.Database): (s: { sql: string; args: readonly unknown[] }) => unknown[] {
  const prepare = preparer(db);
  return ({ sql, args }) => {
    const p = prepare(sql);
    if (p.stmt.reader) return p.stmt.all(...bind(p, args));
    p.stmt.run(...bind(p, args));
    return [];
  };
}

/** The core's Sql on a better-sqlite3 database; each statement is prepared once, on first use. */
export function sqliteSql(db: Database.Database): Sql {
  const prepare = preparer(db);
  return {
    async all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
      const p = prepare(sql);
      return p.stmt.all(...bind(p, args)) as T[];
    },
    async run(sql: string, args: readonly unknown[] = []): Promise<number> {
      const p = prepare(sql);
      return p.stmt.run(...bind(p, args)).changes;
    },
  };
}
