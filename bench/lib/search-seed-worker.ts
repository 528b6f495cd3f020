import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { seedBatches, toSeedRecord, type SeedRecord, type SeedSpec } from './search-seed-data.js';
import { ShardWriter, type SharedChunk } from './search-seed-shard.js';
import { SeedWriter } from './search-seed-writer.js';

/**
 * The two seeding workers (see seedStore), joined by `port`. The generator makes the sessions in
 * order from the one seeded rng, runs the real extraction, writes the shard's rows and answers
 * each 'next' from the writer with the next chunk of records, less what the shard took (null once
 * all are sent). The writer writes each chunk into the store's database, asking for the next
 * one first, so both work at once. Each tells the main thread 'done' when finished.
 */
export type SeedWorkerData =
  | {
      role: 'generate';
      port: MessagePort;
      spec: SeedSpec;
      /** Sessions per chunk. */
      chunk: number;
      shardFile: string;
      shardTableSql: string[];
      shardIndexSql: string[];
      sharedChunk: SharedChunk;
    }
  | { role: 'write'; port: MessagePort; dbFile: string; projectId: string; prefetch: number };

export type SeedWorkerMessage = { type: 'done' } | { type: 'progress'; sessions: number };

const data = workerData as SeedWorkerData;
const parent = parentPort!;
const tell = (m: SeedWorkerMessage) => parent.postMessage(m);

if (data.role === 'generate') {
  const { port } = data;
  const batches = seedBatches(data.spec);
  const shard = new ShardWriter(data.shardFile, data.shardTableSql, data.sharedChunk);
  let done = false;
  port.on('message', () => {
    if (done) return;
    const records: SeedRecord[] = [];
    for (let r = batches.next(); !r.done; r = batches.next()) {
      records.push(toSeedRecord(r.value));
      if (records.length === data.chunk) break;
    }
    if (records.length === 0) {
      done = true;
      port.postMessage(null);
      port.close();
      shard.finish(data.shardIndexSql);
      tell({ type: 'done' });
      return;
    }
    shard.write(records);
    // The shard wrote these rows; the errors also go to the writer, which groups them into issues.
    for (const r of records) r.index = { ...r.index, network: [], console: [] };
    port.postMessage(records);
  });
} else {
  const { port } = data;
  const writer = new SeedWriter(data.dbFile, data.projectId);
  let written = 0;
  port.on('message', (records: SeedRecord[] | null) => {
    if (records === null) {
      writer.close();
      port.close();
      tell({ type: 'done' });
      return;
    }
    port.postMessage('next');
    writer.write(records);
    const before = written;
    written += records.length;
    if (Math.floor(written / 20_000) > Math.floor(before / 20_000)) tell({ type: 'progress', sessions: written });
  });
  for (let i = 0; i < data.prefetch; i++) port.postMessage('next');
}
