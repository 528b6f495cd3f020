import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { presetDictionary, staticDictionaryBytes } from '@reprise/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpError } from '../src/http/errors.js';
import { inProcessDecoder, WorkerDecoder, type IngestBatch } from '../src/ingest/decode-pool.js';
import type { DictionarySource } from '../src/ingest/dictionaries.js';
import { BATCH_CHUNK_FORMAT, decodeChunk } from '../src/store/chunk-codec.js';
import { domEvent, gz, makeBatch } from './helpers.js';

// The worker entry from the sources, through tsx (dist/ runs decode-worker.js directly).
const workers = new WorkerDecoder({
  threads: 2,
  url: new URL('./ts-worker.mjs', import.meta.url),
  workerData: { entry: new URL('../src/ingest/decode-worker.ts', import.meta.url).href },
});
afterAll(() => workers.close());

const noDictionaries: DictionarySource = {
  ref: () => null,
  load: () => Promise.reject(new HttpError(400, 'bad_dictionary', 'none here')),
};

type Outcome = { ok: true; r: IngestBatch } | { ok: false; status: number; code: string };

async function outcome(p: Promise<IngestBatch>): Promise<Outcome> {
  try {
    return { ok: true, r: await p };
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return { ok: false, status: err.statusCode, code: err.code };
  }
}

/** Both decoders answer alike: the same batch (events read lazily), index rows and chunk, or the same 4xx. */
async function same(body: Buffer, encoding: string | undefined): Promise<Outcome> {
  const here = await outcome(inProcessDecoder.decode(body, encoding, noDictionaries));
  const there = await outcome(workers.decode(body, encoding, noDictionaries));
  if (!here.ok || !there.ok) {
    expect(there).toEqual(here);
    return here;
  }
  expect({ ...there.r.batch, events: there.r.batch.events }).toEqual(here.r.batch);
  expect(there.r.index).toEqual(here.r.index);
  expect(there.r.chunk).toEqual(here.r.chunk);
  return here;
}

const valid = makeBatch('sess_decodepool', 3, [
  domEvent(1000),
  domEvent(1001, 2, { node: { type: 0, id: 1, childNodes: [] } }),
  { t: 1002, kind: 'console', data: { level: 'error', args: [{ t: 'str', v: 'boom' }] } },
]);

describe('decoding on worker threads', () => {
  it('gives what decoding on the main thread gives: gzip, uncompressed, empty', async () => {
    const r = await same(gz(valid), 'gzip');
    expect(r.ok).toBe(true);
    await same(Buffer.from(JSON.stringify(valid)), undefined);
    await same(gz(makeBatch('sess_decodepool', 4, [])), 'gzip');
  });

  it('stores a gzip upload as is, and parses its events only when they are read', async () => {
    const body = gz(valid);
    const r = await workers.decode(body, 'gzip', noDictionaries);
    expect(r.chunk.format).toBe(BATCH_CHUNK_FORMAT);
    expect(r.chunk.bytes.equals(body)).toBe(true);
    expect(r.chunk).toMatchObject({ eventCount: 3, tMin: 1000, tMax: 1002 });
    expect(decodeChunk(r.chunk.bytes, r.chunk.format)).toEqual(valid.events);
    expect(r.batch.events).toEqual(valid.events);
    expect(r.batch.events).toBe(r.batch.events);
  });

  it('refuses bad input with the same 4xx, and garbage never breaks a thread', async () => {
    await same(gzipSync('{"v":1,'), 'gzip');
    await same(randomBytes(200), 'gzip');
    await same(gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)), 'gzip');
    await same(gz({ ...valid, v: 2 }), 'gzip');
    await same(Buffer.from('x'), 'br');
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const text = JSON.stringify(valid);
    for (let i = 0; i < 100; i++) {
      const chars = text.split('');
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++)
        chars.splice(Math.floor(rnd() * chars.length), 1, '{["\\,:0x'.charAt(Math.floor(rnd() * 8)));
      const body = chars.join('');
      await same(rnd() < 0.5 ? gzipSync(body) : Buffer.from(body), rnd() < 0.5 ? 'gzip' : undefined);
    }
    expect((await workers.decode(gz(valid), 'gzip', noDictionaries)).batch.seq).toBe(3);
  });

  it('deflate with a preset dictionary: loaded by the main thread when the worker asks, errors alike', async () => {
    const dict = presetDictionary(staticDictionaryBytes('r1'), null);
    let loads = 0;
    const source: DictionarySource = { ref: () => null, load: async () => (loads++, dict) };
    const raw = Buffer.from(JSON.stringify(valid));
    const body = deflateSync(raw, { dictionary: dict });
    const here = await inProcessDecoder.decode(body, 'deflate', source);
    const there = await workers.decode(body, 'deflate', source);
    expect(loads).toBe(2);
    expect(there.index).toEqual(here.index);
    expect(there.batch.events).toEqual(valid.events);
    expect({ ...there.chunk, bytes: null }).toEqual({ ...here.chunk, bytes: null });
    expect(decodeChunk(there.chunk.bytes, there.chunk.format)).toEqual(valid.events);
    // No dictionary needed, a wrong one, one that cannot be loaded, a reference that does not parse.
    await same(deflateSync(raw), 'deflate');
    const wrong: DictionarySource = {
      ref: () => null,
      load: async () => presetDictionary(staticDictionaryBytes('r1'), Buffer.from('other')),
    };
    for (const src of [
      wrong,
      noDictionaries,
      {
        ref: () => {
          throw new HttpError(400, 'bad_dictionary', 'bad ref');
        },
        load: source.load,
      },
    ]) {
      const a = await outcome(inProcessDecoder.decode(body, 'deflate', src));
      const b = await outcome(workers.decode(body, 'deflate', src));
      expect(a.ok).toBe(false);
      expect(b).toEqual(a);
    }
  });

  it('many at once', async () => {
    const bodies = Array.from({ length: 40 }, (_, seq) => gz(makeBatch('sess_decodepool', seq, [domEvent(seq)])));
    const rs = await Promise.all(bodies.map((b) => workers.decode(b, 'gzip', noDictionaries)));
    expect(rs.map((r) => r.batch.seq)).toEqual(bodies.map((_, i) => i));
  });
});
