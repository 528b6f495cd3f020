import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { S3ChunkStore } from '../src/store/chunks/s3.js';
import { openStore } from '../src/store/open.js';
import { BACKEND, createStorage } from './backend.js';
import { domEvent, gz, makeBatch } from './helpers.js';

/**
 * A batch whose bytes the chunk store fails to write (a real failure: on SQLite the chunk
 * directory is a file, on PostgreSQL + S3 the bucket does not exist) is refused with 503
 * store_unavailable, which the recorder sends again, whether batches are packed or each is an
 * object of its own (store/chunks/ingest-pack.ts); nothing is acknowledged, and once the store
 * is back the resend is stored.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const VARIANTS: Array<[string, Record<string, string>]> =
  BACKEND === 'sqlite'
    ? [
        ['packed', { REPRISE_COMPACT_AFTER_MINUTES: '30' }],
        ['one file per batch', { REPRISE_COMPACT_AFTER_MINUTES: '0' }],
      ]
    : [
        ['packed', { REPRISE_S3_PACK_WINDOW_MS: '20' }],
        ['one object per batch', { REPRISE_S3_PACK_WINDOW_MS: '0' }],
      ];

describe(`a batch the chunk store fails to write (${BACKEND})`, () => {
  it.each(VARIANTS)('is refused with 503 store_unavailable and stored when sent again (%s)', async (_name, extraEnv) => {
    const st = await createStorage();
    cleanups.push(() => st.cleanup());
    let breakStore: () => void;
    let repairStore: () => Promise<void>;
    const env = { ...st.env, ...extraEnv };
    if (BACKEND === 'sqlite') {
      const dir = path.join(st.dataDir, 'chunks');
      breakStore = () => {
        rmSync(dir, { recursive: true, force: true });
        writeFileSync(dir, 'not a directory');
      };
      repairStore = async () => rmSync(dir);
    } else {
      env.REPRISE_S3_BUCKET = `reprise-na-${randomBytes(4).toString('hex')}`;
      const bucket = new S3ChunkStore(loadConfig(env).s3!);
      breakStore = () => undefined;
      repairStore = () => bucket.ensureBucket();
      cleanups.push(async () => {
        for await (const o of bucket.list('')) await bucket.delete([o.key]);
        await bucket.client.send(new DeleteBucketCommand({ Bucket: env.REPRISE_S3_BUCKET })).catch(() => undefined);
      });
    }
    const config = loadConfig(env);
    const store = await openStore(config);
    cleanups.push(() => store.close());
    const app = await buildApp({ config, store });
    cleanups.push(() => app.close());
    const project = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
    const events = [domEvent(100), domEvent(200)];
    const post = () =>
      app.inject({
        method: 'POST',
        url: `/ingest/v1/batch?key=${project.key}`,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload: gz(makeBatch('sess_unavailable', 0, events)),
      });

    breakStore();
    const refused = await post();
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ error: 'store_unavailable' });
    expect(await st.query('SELECT * FROM batches')).toEqual([]);

    await repairStore();
    const stored = await post();
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toMatchObject({ duplicate: false });
    expect(await store.readEvents('sess_unavailable')).toEqual(events);
  });
});
