import { parseArgs } from 'node:util';
import { S3ChunkStore } from '../../store/chunks/s3.js';
import { compactIdleSessions, hasChunkMaintenance } from '../../store/chunks/maintenance.js';
import { fail, type CliCommand } from '../command.js';

function minutes(v: string | undefined, dflt: number, name: string): number | null {
  if (v === undefined) return dflt;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : (fail(`${name} must be a number of minutes`), null);
}

/** `reprise compact ...` */
export const compact: CliCommand = {
  name: 'compact',
  usage: [
    {
      synopsis: 'compact [--session ID] [--idle-minutes N]',
      about: ['pack small chunk objects: one session, or every session idle for', 'N minutes (default REPRISE_COMPACT_AFTER_MINUTES, 30)'],
    },
  ],
  async run(args, ctx) {
    const { values } = parseArgs({ args, options: { session: { type: 'string' }, 'idle-minutes': { type: 'string' } } });
    const idle = minutes(values['idle-minutes'], ctx.config.compactAfterMinutes || 30, '--idle-minutes');
    if (idle === null) return 2;
    const store = await ctx.store();
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
  },
};

/** `reprise chunks gc|ensure-bucket ...` */
export const chunks: CliCommand = {
  name: 'chunks',
  usage: [
    {
      synopsis: 'chunks gc [--older-than-minutes N] [--dry-run]',
      about: ['delete chunk objects no batch references, older than N minutes (60)'],
    },
    { synopsis: 'chunks ensure-bucket', about: ['create the REPRISE_S3_BUCKET bucket if it does not exist'] },
  ],
  async run([sub, ...args], ctx) {
    const { config } = ctx;
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
      const store = await ctx.store();
      if (!hasChunkMaintenance(store)) return fail('this store does not support chunk gc');
      const r = await store.gcChunks({ olderThanMs: age * 60_000, dryRun: values['dry-run'] });
      for (const k of r.deleted) console.log(k);
      console.error(`${values['dry-run'] ? 'would delete' : 'deleted'} ${r.deleted.length} of ${r.scanned} object(s)`);
      return 0;
    }
    return fail(`unknown command: chunks ${sub ?? ''}`.trim());
  },
};
