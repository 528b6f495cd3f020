import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { encodeChunk } from '../../packages/server/src/store/chunk-codec.js';
import { batchKey } from '../../packages/server/src/store/chunks/batch-chunks.js';
import { SqliteStore } from '../../packages/server/src/store/sqlite/sqlite-store.js';
import { bundleSeedWorker } from './search-seed-bundle.js';
import { seedBatches, type SeedSpec } from './search-seed-data.js';
import { finishBulkLoad, prepareBulkLoad } from './search-seed-schema.js';
import type { SeedWorkerData, SeedWorkerMessage } from './search-seed-worker.js';

/** The reference: every session through appendBatch, one transaction each, as a server stores it. */
export async function seedStoreByAppend(dir: string, spec: SeedSpec): Promise<{ projectId: string }> {
  const store = new SqliteStore(dir, { durable: false });
  try {
    const project = await store.createProject({ name: 'bench', allowedOrigins: ['*'] });
    for (const b of seedBatches(spec)) {
      await store.appendBatch({ projectId: project.id, batch: b.batch, facts: b.facts, index: b.index, receivedAt: b.receivedAt });
    }
    return { projectId: project.id };
  } finally {
    await store.close();
  }
}

export interface SeedOptions {
  log?: (line: string) => void;
  /** Sessions per chunk: per message between the workers and per transaction. */
  chunk?: number;
}

/** Chunks the generator may have ready ahead of the writer (bounds memory). */
const PREFETCH = 3;

/**
 * Fills a new store with the spec's sessions, fast, storing the rows appendBatch would store.
 * The work is split over the two cores: one worker generates the sessions, runs the real
 * extraction and writes the batch, network, console and error rows into a shard database;
 * another writes the session rows and, through the store's SignalIndexWriter, clicks, signals,
 * pages, search text and snapshots into the store's database, in transactions of `chunk`
 * sessions; at the end the shard is copied in and the remaining indexes are built.
 *
 * What differs from appendBatch is out of search's sight: every batch row points at one shared,
 * empty chunk (search never reads chunks; `sessions.stored_bytes`, the byte cap's count, stays 0), and the physical layout (indexes built in one pass,
 * FTS5 segments flushed per transaction rather than per batch) is more compact than a server's.
 * bench/test/search-seed.test.ts compares the result with seedStoreByAppend row for row.
 */
export async function seedStore(dir: string, spec: SeedSpec, options: SeedOptions = {}): Promise<{ projectId: string }> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  // The store creates the schema (every migration) and the project, as a server would.
  const store = new SqliteStore(dir, { durable: false });
  const project = await store.createProject({ name: 'bench', allowedOrigins: ['*'] });
  const chunk = { key: batchKey(project.id, 'bench_shared', 0), bytes: encodeChunk([]) };
  await store.chunks.put(chunk.key, chunk.bytes);
  await store.close();

  const dbFile = path.join(dir, 'reprise.db');
  const work = path.join(dir, 'seed-work');
  mkdirSync(work, { recursive: true });
  const shardFile = path.join(work, 'shard.db');
  try {
    const plan = withDatabase(dbFile, prepareBulkLoad);
    const workerUrl = await bundleSeedWorker(work);
    const { port1, port2 } = new MessageChannel();
    await runWorkers(
      workerUrl,
      [
        {
          role: 'generate',
          port: port1,
          spec,
          chunk: options.chunk ?? 500,
          shardFile,
          shardTableSql: plan.shardTableSql,
          shardIndexSql: plan.shardIndexSql,
          sharedChunk: { key: chunk.key, bytes: chunk.bytes.length },
        },
        { role: 'write', port: port2, dbFile, projectId: project.id, prefetch: PREFETCH },
      ],
      (n) => log(`  seeded ${n} sessions (${elapsed()})`),
    );
    log(`  rows written (${elapsed()})`);
    withDatabase(dbFile, (db) => finishBulkLoad(db, shardFile, plan));
    log(`  shard copied in, indexes built (${elapsed()})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { projectId: project.id };
}

function withDatabase<T>(file: string, use: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

/** Runs the workers to the end; the first failure stops them all. */
async function runWorkers(url: URL, roles: SeedWorkerData[], progress: (sessions: number) => void): Promise<void> {
  const workers: Worker[] = [];
  try {
    await Promise.all(
      roles.map(
        (workerData) =>
          new Promise<void>((resolve, reject) => {
            const w = new Worker(url, {
              workerData,
              transferList: [workerData.port],
              // A larger young generation: nearly everything the workers allocate dies young.
              resourceLimits: { maxYoungGenerationSizeMb: 64 },
            });
            workers.push(w);
            w.on('message', (m: SeedWorkerMessage) => {
              if (m.type === 'progress') progress(m.sessions);
              else resolve();
            });
            w.on('error', reject);
            w.on('exit', (code) => reject(new Error(`seed worker (${workerData.role}) exited before finishing (code ${code})`)));
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
