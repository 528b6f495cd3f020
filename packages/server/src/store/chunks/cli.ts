import { parseArgs } from 'node:util';
import type { ServerConfig } from '../../config.js';
import { openStore } from '../open.js';
import { S3ChunkStore } from './s3.js';
import { compactIdleSessions, hasChunkMaintenance } from './maintenance.js';

export const CHUNK_USAGE = `  compact [--session ID] [--idle-minutes N]
                                          pack small chunk objects: one session, or every session idle for
                                          N minutes (default REPRISE_COMPACT_AFTER_MINUTES, 30)
  chunks gc [--older-than-minutes N] [--dry-run]
                                          delete chunk objects no batch references, older than N minutes (60)
  chunks ensure-bucket                    create the REPRISE_S3_BUCKET bucket if it does not exist
`;

function fail(msg: string): number {
  console.error(`reprise: ${msg}`);
  return 2;
}

function minutes(v: string | undefined, dflt: number, name: string): number | null {
  if (v === undefined) return dflt;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : (fail(`${name} must be a number of minutes`), null);
}

/** `reprise compact ...` */
export async function compactCommand(args: string[], config: ServerConfig): Promise<number> {
  const { values } = parseArgs({ args, options: { session: { type: 'string' }, 'idle-minutes': { type: 'string' } } });
  const idle = minutes(values['idle-minutes'], config.compactAfterMinutes || 30, '--idle-minutes');
  if (idle === null) return 2;
  const store = await openStore(config);
  try {
    if (!hasChunkMaintenance(store)) return fail('this store does not support compaction');
    if (values.session) {
      const r = await store.compactSession(values.session);
      console.log(`${values.session}: ${r.packedBatches} batch(es) into ${r.packs.length} pack(s), ${r.inPlace} left in place`);
      return 0;
    }
    let sessions = 0;
    let packs = 0;
    let batches = 0;
    let failed = 0;
    for (;;) {
      const r = await compactIdleSessions(store, {
        idleMs: idle * 60_000,
        onError: (id, err) => console.error(`${id}: ${err instanceof Error ? err.message : String(err)}`),
      });
      sessions += r.sessions;
      packs += r.packs;
      batches += r.packedBatches;
      failed += r.failed;
      if (r.sessions === 0 || r.failed > 0) break;
    }
    console.log(`compacted ${sessions} session(s): ${batches} batch(es) into ${packs} pack(s)${failed ? `, ${failed} failed` : ''}`);
    return failed > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

/** `reprise chunks gc|ensure-bucket ...` */
export async function chunksCommand(sub: string | undefined, args: string[], config: ServerConfig): Promise<number> {
  if (sub === 'ensure-bucket') {
    if (!config.s3) return fail('REPRISE_S3_BUCKET is not set');
    const s3 = new S3ChunkStore(config.s3);
    try {
      await s3.ensureBucket();
      console.log(`bucket ${config.s3.bucket} ready`);
    } finally {
      await s3.close();
    }
    return 0;
  }
  if (sub === 'gc') {
    const { values } = parseArgs({ args, options: { 'older-than-minutes': { type: 'string' }, 'dry-run': { type: 'boolean' } } });
    const age = minutes(values['older-than-minutes'], 60, '--older-than-minutes');
    if (age === null) return 2;
    const store = await openStore(config);
    try {
      if (!hasChunkMaintenance(store)) return fail('this store does not support chunk gc');
      const r = await store.gcChunks({ olderThanMs: age * 60_000, dryRun: values['dry-run'] });
      for (const k of r.deleted) console.log(k);
      console.error(`${values['dry-run'] ? 'would delete' : 'deleted'} ${r.deleted.length} of ${r.scanned} object(s)`);
    } finally {
      await store.close();
    }
    return 0;
  }
  return fail(`unknown command: chunks ${sub ?? ''}`.trim());
}
