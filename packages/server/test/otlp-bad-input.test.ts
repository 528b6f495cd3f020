import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../../test-support/rng.js';
import { startTestServer, type TestServer } from './helpers.js';
import { hex, jsonTraces, protoTraces, recordTraces } from './otlp-support.js';

/**
 * Bad input to the OTLP receiver, on both backends: each refusal is a clear 4xx and changes
 * nothing stored; a seeded fuzz run (random bytes, and valid protobuf and JSON bodies mutated)
 * never gets a 5xx.
 */
let s: TestServer;
let traceId: string;
const SID = 'sess_otlp_bad_01';
beforeAll(async () => {
  s = await startTestServer();
  traceId = hex(16);
  await recordTraces(s, SID, 0, [traceId]);
});
afterAll(async () => s.close());

const post = (signal: 'traces' | 'logs', payload: Buffer | string, headers: Record<string, string> = {}) =>
  s.app.inject({
    method: 'POST',
    url: `/otlp/v1/${signal}`,
    headers: { 'content-type': 'application/x-protobuf', 'x-reprise-key': s.projectKey, ...headers },
    payload,
  });

/** Every table the receiver writes, row counts. */
async function stored(): Promise<number[]> {
  const out: number[] = [];
  for (const t of ['backend_spans', 'backend_logs', 'otlp_pending', 'trace_requests']) {
    out.push(Number((await s.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))[0]!.n));
  }
  out.push(Number((await s.query<{ n: number }>('SELECT sum(backend_errors) AS n FROM sessions'))[0]!.n));
  return out;
}

describe('OTLP bad input', () => {
  it('answers 4xx with a reason and stores nothing', async () => {
    const before = await stored();
    const valid = protoTraces(jsonTraces('api', [{ traceId, name: 'ok', error: true }]));
    const cases: [string, Promise<{ statusCode: number; json(): unknown }>, number, string][] = [
      ['no credentials', post('traces', valid, { 'x-reprise-key': '' }), 401, 'missing_credentials'],
      ['unknown key', post('traces', valid, { 'x-reprise-key': 'pk_unknownunknownunknown' }), 401, 'unknown_project_key'],
      ['unknown token', post('traces', valid, { 'x-reprise-key': '', authorization: 'Bearer nope' }), 401, 'invalid_token'],
      ['wrong content type', post('traces', valid, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
      ['unknown encoding', post('traces', valid, { 'content-encoding': 'br' }), 415, 'unsupported_encoding'],
      ['truncated protobuf', post('traces', valid.subarray(0, valid.length - 3)), 400, 'bad_otlp'],
      ['malformed JSON', post('traces', '{"resourceSpans": [', { 'content-type': 'application/json' }), 400, 'bad_otlp'],
      ['JSON of the wrong shape', post('traces', '{"resourceSpans": 5}', { 'content-type': 'application/json' }), 400, 'bad_otlp'],
      ['bad gzip', post('traces', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }), 400, 'bad_gzip'],
      ['over-size body', post('traces', Buffer.alloc(5 * 1024 * 1024, 1)), 413, 'body_too_large'],
      ['gzip bomb', post('traces', gzipSync(Buffer.alloc(40 * 1024 * 1024)), { 'content-encoding': 'gzip' }), 413, 'body_too_large'],
    ];
    for (const [what, res, status, code] of cases) {
      const r = await res;
      expect(r.statusCode, what).toBe(status);
      expect((r.json() as { error: string }).error, what).toBe(code);
    }
    expect(await stored()).toEqual(before);
  });

  it('accepts gzip, and rejects spans without ids in partialSuccess', async () => {
    const body = jsonTraces('api', [
      { traceId, name: 'kept' },
      { traceId: '00000000000000000000000000000000', name: 'no trace id' },
    ]);
    const res = await post('traces', gzipSync(JSON.stringify(body)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ partialSuccess: { rejectedSpans: 1 } });
  });

  it('never answers 5xx to random or mutated bodies (fuzz)', async () => {
    const rng = createRng(15_2026);
    const validProto = protoTraces(jsonTraces('api', [{ traceId: hex(16), name: 'fuzz', attributes: { a: 'b' } }]));
    const validJson = JSON.stringify(jsonTraces('api', [{ traceId: hex(16), name: 'fuzz', attributes: { a: 'b' } }]));
    const statuses = new Map<number, number>();
    for (let i = 0; i < 240; i++) {
      const signal = rng.next() < 0.5 ? 'traces' : 'logs';
      const kind = i % 4;
      let payload: Buffer | string;
      let headers: Record<string, string> = {};
      if (kind === 0) payload = randomBytesFrom(rng, Math.floor(rng.next() * 2048));
      else if (kind === 1) payload = mutate(rng, validProto);
      else {
        payload = kind === 2 ? mutateText(rng, validJson) : JSON.stringify(mutateJson(rng, JSON.parse(validJson) as unknown));
        headers = { 'content-type': 'application/json' };
      }
      if (rng.next() < 0.2) {
        payload = gzipSync(payload);
        headers['content-encoding'] = 'gzip';
      }
      const res = await post(signal, payload, headers);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `request ${i}: ${res.body}`).toBeLessThan(500);
    }
    // The generators reach both outcomes.
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
  });
});

function randomBytesFrom(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng.next() * 256);
  return n > 0 ? b : randomBytes(0);
}

/** Flips, drops or inserts a few bytes. */
function mutate(rng: Rng, src: Buffer): Buffer {
  let b = Buffer.from(src);
  const edits = 1 + Math.floor(rng.next() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rng.next() * b.length);
    const op = rng.next();
    if (op < 0.5) b[at] = Math.floor(rng.next() * 256);
    else if (op < 0.75) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rng.next() * 256)]), b.subarray(at)]);
  }
  return b;
}

function mutateText(rng: Rng, s: string): string {
  return mutate(rng, Buffer.from(s)).toString('utf8');
}

const ODD_VALUES: unknown[] = [null, 0, -1, 1e308, 'x', '', [], {}, true, '99999999999999999999999', { low: 1, high: -1 }, 'zz'.repeat(16)];

/** Replaces one value somewhere in the JSON tree by an odd one. */
function mutateJson(rng: Rng, v: unknown, depth = 0): unknown {
  if (depth > 0 && rng.next() < 0.25) return ODD_VALUES[Math.floor(rng.next() * ODD_VALUES.length)];
  if (Array.isArray(v)) return v.map((x) => mutateJson(rng, x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = mutateJson(rng, x, depth + 1);
    return out;
  }
  return v;
}
