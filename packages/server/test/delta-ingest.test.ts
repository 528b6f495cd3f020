import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CURRENT_STATIC_DICTIONARY,
  DELTA_CODING,
  DELTA_TWICE_ENCODING,
  LIMITS,
  decodeDeltaForm,
  deflateCodingOf,
  deltaFormReference,
  encodeDeltaForm,
  formatDictionaryRef,
  parseNdjson,
  presetDictionary,
  staticDictionaryBytes,
  type Batch,
  type ReplayEvent,
} from '@reprise/protocol';
import { referenceBytes } from '../src/ingest/dictionaries.js';
import { CHROME_UA, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * The delta form (`Content-Encoding: reprise-delta, deflate`; protocol delta-form.ts): rrweb ids
 * and clocks as differences, undone by the server before it parses, so it stores the batch as sent.
 */
let s: TestServer;
const STATIC = staticDictionaryBytes(CURRENT_STATIC_DICTIONARY);
const enc = new TextEncoder();
const DELTA_ENCODING = `${DELTA_CODING}, deflate`;

/** A burst of added nodes as rrweb writes it: records that differ mostly in their ids. */
function burstBatch(sessionId: string, seq: number, t: number, nodes: number, firstId = 13): Batch {
  const adds = Array.from({ length: nodes }, (_, i) => ({
    parentId: 11,
    nextId: i === 0 ? null : firstId + i - 1,
    node: { type: 2, tagName: 'div', attributes: { class: 'moved' }, childNodes: [], id: firstId + i },
  }));
  const events: ReplayEvent[] = [
    { t, kind: 'meta', data: { url: 'https://shop.example/list', title: 'List', viewport: { w: 1280, h: 800 } } },
    { t: t + 1, kind: 'dom', data: { type: 3, timestamp: t + 1, data: { source: 0, texts: [], attributes: [], removes: [], adds } } },
    {
      t: t + 2.5,
      kind: 'dom',
      data: { type: 3, timestamp: t + 2.5, data: { source: 1, positions: [{ x: 10, y: -0.5, id: 12, timeOffset: -3 }] } },
    },
  ];
  return makeBatch(sessionId, seq, events, 'https://shop.example/list');
}

function deltaBody(batch: unknown, dict: Uint8Array | null): Buffer {
  const form = encodeDeltaForm(enc.encode(JSON.stringify(batch)));
  if (!form) throw new Error('batch has no delta form');
  return deflateSync(form, dict ? { dictionary: dict } : {});
}

const inOrder = (events: readonly ReplayEvent[]) =>
  events.map((e) => [e.t, JSON.stringify(e)] as const).sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));

/** A delta-form body deflated once more, without a dictionary (`reprise-delta, deflate, deflate`). */
function twiceBody(batch: unknown, dict: Uint8Array | null): Buffer {
  return deflateSync(deltaBody(batch, dict), { level: 9 });
}

function post(server: TestServer, body: Buffer, encoding: string, query = '') {
  return server.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${server.projectKey}${query}`,
    headers: { 'content-type': 'application/json', 'content-encoding': encoding, 'user-agent': CHROME_UA },
    payload: body,
  });
}

async function storedEvents(server: TestServer, id: string): Promise<ReplayEvent[]> {
  const r = await server.app.inject({ url: `/api/v1/sessions/${id}/events`, headers: { cookie: server.cookie } });
  return parseNdjson(r.body);
}

const dictQuery = (ref?: { sessionId: string; seq: number }) =>
  `&dict=${CURRENT_STATIC_DICTIONARY}${ref ? `&ref=${formatDictionaryRef(ref)}` : ''}`;

describe('the delta form itself', () => {
  const roundTrip = (json: string) => {
    const bytes = enc.encode(json);
    const form = encodeDeltaForm(bytes);
    expect(form).not.toBeNull();
    expect(Buffer.from(decodeDeltaForm(form!)!).toString('utf8')).toBe(json);
    return Buffer.from(form!).toString('utf8');
  };

  it('writes ids as differences per key, and gives back the same bytes', () => {
    expect(roundTrip('{"id":13,"parentId":11,"x":{"id":14,"parentId":11},"id":20}')).toBe(
      '{"id":13,"parentId":11,"x":{"id":1,"parentId":0},"id":6}',
    );
  });

  it('leaves strings, other keys, fractions, exponents, spaced members and non-numbers alone', () => {
    const json =
      '{"s":"\\"id\\":5 \\\\","id\\u0031":7,"t":1.5,"timestamp":2e3,"id": 9,"nextId":null,"nodeId":"12","é":"ü\\"","id":-4,"rootId":0}';
    const form = roundTrip(json);
    expect(form).toContain('"s":"\\"id\\":5 \\\\"');
    expect(form).toContain('"t":1.5,"timestamp":2e3,"id": 9,"nextId":null,"nodeId":"12"');
    expect(form).toContain('"id":-4,"rootId":0');
  });

  it('round-trips random documents with ids anywhere', () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const keys = ['id', 'parentId', 'nextId', 't', 'timestamp', 'x', 'nodeId', 'rootId', 'previousId'];
    const value = (depth: number): unknown => {
      const r = rnd(8);
      if (r === 0 && depth < 4)
        return Object.fromEntries(Array.from({ length: rnd(5) }, () => [keys[rnd(keys.length)]!, value(depth + 1)]));
      if (r === 1 && depth < 4) return Array.from({ length: rnd(4) }, () => value(depth + 1));
      if (r === 2) return `"id":${rnd(99)} \\ ${String.fromCharCode(0x4e00 + rnd(50))}`;
      if (r === 3) return rnd(1000) / 7;
      if (r === 4) return null;
      return rnd(2 ** 30) - 2 ** 29;
    };
    for (let i = 0; i < 300; i++) roundTrip(JSON.stringify({ id: rnd(100), doc: value(0) }));
  });

  it('refuses values it could not give back exactly: -0 and integers above 2^52', () => {
    expect(encodeDeltaForm(enc.encode('{"id":-0}'))).toBeNull();
    expect(encodeDeltaForm(enc.encode(`{"id":${2 ** 52 + 2}}`))).toBeNull();
    expect(encodeDeltaForm(enc.encode(`{"x":${2 ** 60},"id":1}`))).not.toBeNull();
  });

  it('a dictionary reference cut anywhere still has a delta form, the same on both sides', () => {
    const ref = enc.encode('{"id":12,"parentId":3}\n{"id":1');
    expect(Buffer.from(deltaFormReference(ref)).toString('utf8')).toBe('{"id":12,"parentId":3}\n{"id":-11');
    expect(Buffer.from(deltaFormReference(enc.encode('{"id":-0,"id":5}'))).toString('utf8')).toBe('{"id":-0,"id":5}');
  });
});

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.close());

describe('delta-form batches', () => {
  it('are stored exactly as the batch: self-contained, against the static dictionary, and against a reference', async () => {
    const id = 'sess_delta_store1';
    const a = burstBatch(id, 0, 1000, 300);
    let r = await post(s, deltaBody(a, null), DELTA_ENCODING);
    expect(r.statusCode, r.body).toBe(200);
    const b = burstBatch(id, 1, 2000, 300, 400);
    r = await post(s, deltaBody(b, presetDictionary(STATIC, null)), DELTA_ENCODING, dictQuery());
    expect(r.statusCode, r.body).toBe(200);
    // Against batch 0: the reference part of the dictionary is in the delta form too.
    const c = burstBatch(id, 2, 3000, 300, 800);
    const dict = presetDictionary(STATIC, deltaFormReference(referenceBytes(a.events)));
    r = await post(s, deltaBody(c, dict), `${DELTA_CODING},Deflate`, dictQuery({ sessionId: id, seq: 0 }));
    expect(r.statusCode, r.body).toBe(200);
    expect(await storedEvents(s, id)).toEqual([...a.events, ...b.events, ...c.events]);
  });

  it('a burst of added nodes costs a fraction of plain deflate', () => {
    const batch = burstBatch('sess_delta_size', 0, 1000, 2000);
    const plain = deflateSync(JSON.stringify(batch)).length;
    expect(deltaBody(batch, null).length).toBeLessThan(plain * 0.5);
  });

  it('older forms are still taken beside it: gzip, plain deflate and plain JSON', async () => {
    const id = 'sess_delta_old';
    expect((await postBatch(s, burstBatch(id, 0, 1000, 5))).statusCode).toBe(200);
    const b = burstBatch(id, 1, 2000, 5);
    expect((await post(s, deflateSync(JSON.stringify(b)), 'deflate')).statusCode).toBe(200);
    const c = burstBatch(id, 2, 3000, 5);
    expect((await post(s, Buffer.from(JSON.stringify(c)), 'identity')).statusCode).toBe(200);
    expect(await storedEvents(s, id)).toHaveLength(9);
  });
});

describe('delta-form bodies the server cannot decode get a 4xx with a reason', () => {
  it('a delta that leaves the range of exact integers: 400 bad_delta', async () => {
    const json = JSON.stringify(burstBatch('sess_delta_bad1', 0, 1000, 2)).replace('"id":13', `"id":${2 ** 53 - 1}`);
    const r = await post(s, deflateSync(json), DELTA_ENCODING);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'bad_delta' });
  });

  it('a body that is not zlib: 400 bad_deflate', async () => {
    const r = await post(s, Buffer.from('{"v":1}'), DELTA_ENCODING);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'bad_deflate' });
  });

  it('the delta form under another coding than deflate: 415 unsupported_encoding', async () => {
    const r = await post(s, deltaBody(burstBatch('sess_delta_bad2', 0, 1000, 2), null), `${DELTA_CODING}, gzip`);
    expect(r.statusCode).toBe(415);
    expect(r.json()).toMatchObject({ error: 'unsupported_encoding' });
  });

  it('a delta body against a dictionary without the delta-form reference: 400, nothing stored', async () => {
    const id = 'sess_delta_bad3';
    const a = burstBatch(id, 0, 1000, 50);
    expect((await postBatch(s, a)).statusCode).toBe(200);
    // Deflated against the plain reference: the Adler-32 differs from the delta-form dictionary.
    const dict = presetDictionary(STATIC, referenceBytes(a.events));
    const r = await post(s, deltaBody(burstBatch(id, 1, 2000, 50), dict), DELTA_ENCODING, dictQuery({ sessionId: id, seq: 0 }));
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: 'dictionary_unavailable' });
    expect(await storedEvents(s, id)).toHaveLength(3);
  });
});

describe('delta-form bodies deflated twice (reprise-delta, deflate, deflate)', () => {
  it('names its codings in the order applied, case and spaces aside', () => {
    expect(deflateCodingOf(DELTA_TWICE_ENCODING)).toBe('delta-twice');
    expect(deflateCodingOf(' Reprise-Delta ,DEFLATE,  deflate')).toBe('delta-twice');
    expect(deflateCodingOf(`${DELTA_CODING}, deflate`)).toBe('delta');
    expect(deflateCodingOf('deflate')).toBe('deflate');
    expect(deflateCodingOf(`deflate, deflate, ${DELTA_CODING}`)).toBeNull();
    expect(deflateCodingOf(`${DELTA_CODING}, deflate, deflate, deflate`)).toBeNull();
  });

  it('are stored exactly as the batch: self-contained, against the static dictionary, and against a reference', async () => {
    const id = 'sess_twice_store1';
    const a = burstBatch(id, 0, 1000, 300);
    let r = await post(s, twiceBody(a, null), DELTA_TWICE_ENCODING);
    expect(r.statusCode, r.body).toBe(200);
    const b = burstBatch(id, 1, 2000, 300, 400);
    r = await post(s, twiceBody(b, presetDictionary(STATIC, null)), DELTA_TWICE_ENCODING, dictQuery());
    expect(r.statusCode, r.body).toBe(200);
    const c = burstBatch(id, 2, 3000, 300, 800);
    const dict = presetDictionary(STATIC, deltaFormReference(referenceBytes(a.events)));
    r = await post(s, twiceBody(c, dict), `${DELTA_CODING}, Deflate,deflate`, dictQuery({ sessionId: id, seq: 0 }));
    expect(r.statusCode, r.body).toBe(200);
    expect(await storedEvents(s, id)).toEqual([...a.events, ...b.events, ...c.events]);
  });

  it('a burst of added nodes costs a fraction of deflating its delta form once', () => {
    const batch = burstBatch('sess_twice_size', 0, 1000, 2000);
    expect(twiceBody(batch, null).length).toBeLessThan(deltaBody(batch, null).length * 0.5);
  });

  it('round-trips batches the recorder made, byte for byte, and stores their events', async () => {
    // Recorded by the payload benchmark (a checkout, 1000 nested elements, attribute changes): the
    // NDJSON a real page gives, with its escapes, non-ASCII text and fractional clocks.
    const dir = path.join(import.meta.dirname, 'fixtures');
    const files = readdirSync(dir).filter((f) => f.startsWith('recorded-') && f.endsWith('.json.gz'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const [i, f] of files.entries()) {
      const json = gunzipSync(readFileSync(path.join(dir, f)));
      const form = encodeDeltaForm(json);
      expect(form, f).not.toBeNull();
      expect(Buffer.from(decodeDeltaForm(form!)!).equals(json), f).toBe(true);
      // Each under a session of its own, so the fixtures' own session ids do not meet.
      const batch = JSON.parse(json.toString('utf8')) as Batch;
      const own = { ...batch, sessionId: `sess_twice_rec${i}`, seq: 0 };
      const r = await post(s, twiceBody(own, null), DELTA_TWICE_ENCODING);
      expect(r.statusCode, `${f}: ${r.body}`).toBe(200);
      // The events API serves them in time order.
      expect(inOrder(await storedEvents(s, own.sessionId))).toEqual(inOrder(batch.events));
    }
  });
});

describe('bodies deflated twice that the server cannot decode get a 4xx with a reason, and nothing is stored', () => {
  const id = 'sess_twice_bad';
  const batch = () => burstBatch(id, 0, 1000, 50);

  it('once-deflated delta body sent as deflated twice: 400 bad_deflate', async () => {
    const r = await post(s, deltaBody(batch(), null), DELTA_TWICE_ENCODING);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'bad_deflate' });
  });

  it('an outer stream that is valid zlib of something that is not: 400 bad_deflate', async () => {
    const r = await post(s, deflateSync(Buffer.from(JSON.stringify(batch()))), DELTA_TWICE_ENCODING);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'bad_deflate' });
  });

  it('an outer stream that names a dictionary: 400 bad_deflate', async () => {
    const body = deflateSync(deltaBody(batch(), null), { dictionary: presetDictionary(STATIC, null) });
    const r = await post(s, body, DELTA_TWICE_ENCODING, dictQuery());
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'bad_deflate' });
  });

  it('an outer stream that inflates past what a once-deflated body may be: 413, whatever it holds', async () => {
    const r = await post(s, deflateSync(Buffer.alloc(LIMITS.maxCompressedBatchBytes + 1024)), DELTA_TWICE_ENCODING);
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ error: 'body_too_large' });
  });

  it('truncated and bit-flipped bodies: a 4xx, never a crash', async () => {
    const good = twiceBody(batch(), null);
    let seed = 11;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 40; i++) {
      const bad = Buffer.from(good);
      if (i % 2) bad[rnd(bad.length)] ^= 1 << rnd(8);
      const body = i % 4 === 0 ? bad.subarray(0, rnd(bad.length)) : bad;
      const r = await post(s, body, DELTA_TWICE_ENCODING);
      // A flip can land where deflate does not look (stored-block padding): then it is the same batch.
      if (r.statusCode === 200) continue;
      expect(r.statusCode, r.body).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, r.body).toBeLessThan(500);
    }
    expect((await storedEvents(s, id)).length === 0 || (await storedEvents(s, id)).length === 3).toBe(true);
  });
});
