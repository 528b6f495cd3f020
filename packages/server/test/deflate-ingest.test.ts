import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CURRENT_STATIC_DICTIONARY,
  DICTIONARY_UNAVAILABLE,
  formatDictionaryRef,
  parseNdjson,
  presetDictionary,
  staticDictionaryBytes,
  type Batch,
  type ReplayEvent,
} from '@reprise/protocol';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { referenceBytes } from '../src/ingest/dictionaries.js';
import { adler32 } from '../src/ingest/inflate.js';
import { openChunkStore } from '../src/store/open.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { CHROME_UA, domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * `Content-Encoding: deflate` (docs/ARCHITECTURE.md, wire format): zlib, optionally against a
 * preset dictionary of the static `r1` text plus a stored batch of the same session.
 */
let s: TestServer;
const STATIC = staticDictionaryBytes(CURRENT_STATIC_DICTIONARY);

/** A page-start-like batch: a full snapshot with some markup, so a later page can reuse it. */
function pageBatch(sessionId: string, seq: number, t: number, title: string): Batch {
  const items = Array.from({ length: 40 }, (_, i) => ({
    type: 2,
    tagName: 'li',
    attributes: { class: 'product-card', 'data-testid': `product-${i}` },
    childNodes: [{ type: 3, textContent: `Product number ${i}, a fine thing to buy`, id: 100 + i * 2 }],
    id: 99 + i * 2,
  }));
  const node = {
    type: 0,
    childNodes: [
      {
        type: 2,
        tagName: 'html',
        attributes: {},
        childNodes: [
          { type: 2, tagName: 'title', attributes: {}, childNodes: [{ type: 3, textContent: title, id: 5 }], id: 4 },
          { type: 2, tagName: 'ul', attributes: {}, childNodes: items, id: 6 },
        ],
        id: 2,
      },
    ],
    id: 1,
  };
  const events: ReplayEvent[] = [
    { t, kind: 'meta', data: { url: 'https://shop.example/products', title, viewport: { w: 1280, h: 800 } } },
    { t, kind: 'dom', data: { type: 2, timestamp: t, data: { node, initialOffset: { left: 0, top: 0 } } } },
    domEvent(t + 5),
  ];
  return makeBatch(sessionId, seq, events, 'https://shop.example/products');
}

function dictionaryFor(ref: ReplayEvent[] | null): Uint8Array {
  return presetDictionary(STATIC, ref ? referenceBytes(ref) : null);
}

/** What the recorder sends (it uses fflate's zlibSync; any zlib stream is the same to the server). */
function deflateWith(batch: unknown, dict: Uint8Array | null): Buffer {
  return deflateSync(JSON.stringify(batch), dict ? { dictionary: dict } : {});
}

function postDeflate(server: TestServer, body: Buffer, query = '', key = server.projectKey) {
  return server.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${key}${query}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', 'user-agent': CHROME_UA },
    payload: body,
  });
}

async function storedEvents(server: TestServer, id: string): Promise<ReplayEvent[]> {
  const r = await server.app.inject({ url: `/api/v1/sessions/${id}/events`, headers: { cookie: server.cookie } });
  return parseNdjson(r.body);
}

const dictQuery = (ref?: { sessionId: string; seq: number }) =>
  `&dict=${CURRENT_STATIC_DICTIONARY}${ref ? `&ref=${formatDictionaryRef(ref)}` : ''}`;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.close());

describe('deflate batches', () => {
  it('decodes zlib without a dictionary, and against the static dictionary alone', async () => {
    const a = makeBatch('sess_deflate_plain', 0, [domEvent(1000)]);
    expect((await postDeflate(s, deflateWith(a, null))).statusCode).toBe(200);
    const b = makeBatch('sess_deflate_plain', 1, [domEvent(1001)]);
    const r = await postDeflate(s, deflateWith(b, dictionaryFor(null)), dictQuery());
    expect(r.statusCode, r.body).toBe(200);
    expect(await storedEvents(s, 'sess_deflate_plain')).toEqual([...a.events, ...b.events]);
  });

  it('decodes against a stored batch of the same session, far smaller than gzip, on any instance', async () => {
    const id = 'sess_deflate_ref1';
    const first = pageBatch(id, 0, 2000, 'Products');
    expect((await postBatch(s, first)).statusCode).toBe(200);
    // The same page again, one title changed: what a reload or a second visit looks like.
    const second = pageBatch(id, 1, 9000, 'Products (2)');
    const body = deflateWith(second, dictionaryFor(first.events));
    const gzipSize = gzipSync(JSON.stringify(second)).length;
    expect(body.length).toBeLessThan(gzipSize * 0.4);
    const r = await postDeflate(s, body, dictQuery({ sessionId: id, seq: 0 }));
    expect(r.statusCode, r.body).toBe(200);
    expect(await storedEvents(s, id)).toEqual([...first.events, ...second.events]);

    // A second server on the same storage, with nothing cached: the stored batch is all it needs.
    const config = loadConfig(s.env);
    const store =
      s.backend === 'postgres'
        ? await PgStore.open({ url: config.databaseUrl!, chunks: openChunkStore(config) })
        : new SqliteStore(s.dataDir);
    const other = await buildApp({ store, config });
    try {
      const third = pageBatch(id, 2, 15000, 'Products (3)');
      const r3 = await other.inject({
        method: 'POST',
        url: `/ingest/v1/batch?key=${s.projectKey}${dictQuery({ sessionId: id, seq: 1 })}`,
        headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' },
        payload: deflateWith(third, dictionaryFor(second.events)),
      });
      expect(r3.statusCode, r3.body).toBe(200);
    } finally {
      await other.close();
      await store.close();
    }
    expect(await storedEvents(s, id)).toHaveLength(9);
  });

  it('an Adler-32 like zlib computes', () => {
    const bytes = Buffer.from('Wikipedia');
    expect(adler32(bytes)).toBe(0x11e60398);
    const big = dictionaryFor(null);
    expect(adler32(big)).toBe(deflateSync(Buffer.from('x'), { dictionary: big }).readUInt32BE(2));
  });
});

describe('deflate batches the server cannot decode get a 4xx with a reason', () => {
  const id = 'sess_deflate_bad01';
  let first: Batch;
  beforeAll(async () => {
    first = pageBatch(id, 0, 3000, 'Cart');
    expect((await postBatch(s, first)).statusCode).toBe(200);
  });

  const next = () => pageBatch(id, 5, 4000, 'Cart again');

  it('a reference to a batch that is not stored: 422 dictionary_unavailable', async () => {
    const r = await postDeflate(s, deflateWith(next(), dictionaryFor(first.events)), dictQuery({ sessionId: id, seq: 3 }));
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: DICTIONARY_UNAVAILABLE });
  });

  it('an unknown static dictionary: 422 dictionary_unavailable', async () => {
    const r = await postDeflate(s, deflateWith(next(), dictionaryFor(null)), '&dict=r999');
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: DICTIONARY_UNAVAILABLE });
  });

  it('a dictionary other than the server would build (Adler-32 differs): 422 dictionary_unavailable', async () => {
    const wrong = presetDictionary(STATIC, Buffer.from('something else entirely'));
    const r = await postDeflate(s, deflateWith(next(), wrong), dictQuery({ sessionId: id, seq: 0 }));
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: DICTIONARY_UNAVAILABLE });
  });

  it("another project's session is never a dictionary", async () => {
    const create = await s.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { cookie: s.cookie },
      payload: { name: 'Other deflate', allowedOrigins: ['*'] },
    });
    const otherKey = (create.json() as { key: string }).key;
    const r = await postDeflate(s, deflateWith(next(), dictionaryFor(first.events)), dictQuery({ sessionId: id, seq: 0 }), otherKey);
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: DICTIONARY_UNAVAILABLE, message: 'batch 0 of this session is not stored' });
  });

  it('a reference must name a batch of the batch’s own session', async () => {
    const foreign = pageBatch('sess_deflate_else1', 1, 4000, 'Cart');
    const r = await postDeflate(s, deflateWith(foreign, dictionaryFor(first.events)), dictQuery({ sessionId: id, seq: 0 }));
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'invalid_batch' });
  });

  const cases: [string, () => Buffer, string, number, string][] = [
    ['a preset dictionary without ?dict=', () => deflateWith(next(), dictionaryFor(null)), '', 400, 'bad_dictionary'],
    ['a malformed ref', () => deflateWith(next(), dictionaryFor(null)), '&dict=r1&ref=nope', 400, 'bad_dictionary'],
    ['a repeated dict parameter', () => deflateWith(next(), dictionaryFor(null)), '&dict=r1&dict=r1', 400, 'bad_dictionary'],
    ['not zlib at all', () => Buffer.from('{"v":1}'), '', 400, 'bad_deflate'],
    ['raw deflate without the zlib header', () => deflateRawSync(JSON.stringify(next())), '', 400, 'bad_deflate'],
    ['a truncated stream', () => deflateWith(next(), dictionaryFor(null)).subarray(0, 40), dictQuery(), 400, 'bad_deflate'],
    [
      'a zip bomb over the decompressed limit',
      () => deflateSync(Buffer.alloc(40 * 1024 * 1024, 0x20), { dictionary: dictionaryFor(null) }),
      dictQuery(),
      413,
      'body_too_large',
    ],
    ['JSON that is no batch', () => deflateWith([1, 2], dictionaryFor(null)), dictQuery(), 400, 'invalid_batch'],
  ];
  for (const [name, body, query, status, code] of cases) {
    it(name, async () => {
      const r = await postDeflate(s, body(), query);
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json()).toMatchObject({ error: code });
    });
  }

  it('invalid JSON decoded against a reference does not quote it back', async () => {
    const text = Buffer.from('{"v":1,"sessionId":"sess_deflate_bad01","events":[' + JSON.stringify(first.events[1]).slice(0, 200));
    const body = deflateSync(text, { dictionary: dictionaryFor(first.events) });
    const r = await postDeflate(s, body, dictQuery({ sessionId: id, seq: 0 }));
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: 'bad_json', message: 'body is not valid JSON' });
  });

  it('random mutations of a deflate body with a reference never produce a 5xx', async () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const valid = deflateWith(pageBatch(id, 9, 5000, 'Cart'), dictionaryFor(first.events));
    const queries = [
      dictQuery({ sessionId: id, seq: 0 }),
      dictQuery(),
      '',
      '&dict=r1&ref=sess_deflate_bad01.0&ref=x',
      '&ref=sess_deflate_bad01.0',
    ];
    for (let i = 0; i < 150; i++) {
      const b = Buffer.from(valid);
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
        const at = Math.floor(rnd() * b.length);
        b[at] = rnd() < 0.5 ? b[at]! ^ (1 << Math.floor(rnd() * 8)) : Math.floor(rnd() * 256);
      }
      const cut = rnd() < 0.2 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      const r = await postDeflate(s, cut.length ? cut : Buffer.from([0x78]), queries[i % queries.length]!);
      expect(r.statusCode, r.body).toBeLessThan(500);
    }
  });

  it('nothing of it was stored', async () => {
    expect(await storedEvents(s, id)).toEqual(first.events);
  });
});
