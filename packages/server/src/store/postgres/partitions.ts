import type pg from 'pg';
import { PARTITIONED_TABLES } from './migrations.js';
import { withTransaction } from './pool.js';

/**
 * Monthly RANGE partitions (UTC months, bounds in epoch ms) of the index tables: `<table>_pYYYYMM`.
 * They are created ahead at start, by the maintenance timer and the retention job, and on demand
 * when a batch carries times of a month near now that has none yet. Rows outside every monthly
 * partition land in `<table>_default`; creating a month moves its rows out of the default first.
 * Retention drops whole months (dropBefore).
 */
export class Partitions {
  /** Month starts (epoch ms) that have their partitions, on every table. */
  private readonly known = new Set<number>();
  private loaded = false;

  constructor(private readonly pool: pg.Pool) {}

  private async load(): Promise<void> {
    if (this.loaded) return;
    const r = await this.pool.query<{ relname: string }>(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = $1 AND p.relnamespace = to_regnamespace(current_schema())::oid`,
      [PARTITIONED_TABLES[PARTITIONED_TABLES.length - 1]],
    );
    for (const { relname } of r.rows) {
      const m = monthOfName(relname);
      if (m !== null) this.known.add(m);
    }
    this.loaded = true;
  }

  /** Partitions for the month before `now`'s through `ahead` months after it. */
  async ensureAround(now: number, ahead = 2): Promise<void> {
    const start = addMonths(monthStart(now), -1);
    for (let i = 0; i <= ahead + 1; i++) await this.ensureMonth(addMonths(start, i));
  }

  /**
   * For ingest: the months of these times that are near `now` (a month either side) and have no
   * partition yet. Times further out go to the default partition rather than letting a skewed
   * client clock create partitions for arbitrary years.
   */
  async ensureFor(times: Iterable<number>, now: number): Promise<void> {
    await this.load();
    const lo = addMonths(monthStart(now), -1);
    const hi = addMonths(monthStart(now), 2);
    let missing: Set<number> | null = null;
    for (const t of times) {
      const m = monthStart(t);
      if (m < lo || m >= hi || this.known.has(m)) continue;
      (missing ??= new Set()).add(m);
    }
    if (missing) for (const m of missing) await this.ensureMonth(m);
  }

  async ensureMonth(start: number): Promise<void> {
    await this.load();
    if (this.known.has(start)) return;
    const end = addMonths(start, 1);
    await withTransaction(this.pool, async (c) => {
      // Instances creating the same month serialize here; the loser finds the tables there.
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PARTITION_LOCK, Math.floor(start / 86_400_000)]);
      await lockParents(c);
      for (const table of PARTITIONED_TABLES) {
        const name = partitionName(table, start);
        const exists = await c.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [name]);
        if (exists.rows[0].ok) continue;
        // Bounds are integers computed here, never input: safe to inline (DDL takes no parameters).
        const stray = await c.query(`SELECT 1 FROM ${table}_default WHERE t >= ${start} AND t < ${end} LIMIT 1`);
        if (stray.rowCount) {
          await c.query(
            `CREATE TEMP TABLE moving_rows ON COMMIT DROP AS
             WITH d AS (DELETE FROM ${table}_default WHERE t >= ${start} AND t < ${end} RETURNING *) SELECT * FROM d`,
          );
          await c.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM (${start}) TO (${end})`);
          await c.query(`INSERT INTO ${table} SELECT * FROM moving_rows`);
          await c.query('DROP TABLE moving_rows');
        } else {
          await c.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM (${start}) TO (${end})`);
        }
      }
    });
    this.known.add(start);
  }

  /** Drops every monthly partition that ends at or before `cutoff`; returns the months dropped. */
  async dropBefore(cutoff: number): Promise<number[]> {
    this.loaded = false;
    this.known.clear();
    await this.load();
    const dropped: number[] = [];
    for (const m of [...this.known].sort((a, b) => a - b)) {
      if (addMonths(m, 1) > cutoff) continue;
      await withTransaction(this.pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PARTITION_LOCK, Math.floor(m / 86_400_000)]);
        await lockParents(c);
        for (const table of PARTITIONED_TABLES) await c.query(`DROP TABLE IF EXISTS ${partitionName(table, m)}`);
      });
      this.known.delete(m);
      dropped.push(m);
    }
    return dropped;
  }
}

const PARTITION_LOCK = 727_274_002;

/**
 * Partition DDL locks the parent tables: all of them up front, in ingest's order, and giving up
 * after a few seconds rather than holding appends behind it (a later run, or the default
 * partition, takes over).
 */
async function lockParents(c: Pick<pg.PoolClient, 'query'>): Promise<void> {
  await c.query(`SET LOCAL lock_timeout = '5s'`);
  await c.query(`LOCK TABLE ${PARTITIONED_TABLES.join(', ')} IN ACCESS EXCLUSIVE MODE`);
}

export function monthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function addMonths(start: number, n: number): number {
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

function partitionName(table: string, start: number): string {
  const d = new Date(start);
  return `${table}_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function monthOfName(name: string): number | null {
  const m = /_p(\d{4})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, 1) : null;
}
