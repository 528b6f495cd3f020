import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson } from '@reprise/protocol';
import { domEvent, gz, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;
const SID = 'sess_badinput01';
let before = '';

async function eventsBody(): Promise<string> {
  return (await s.app.inject({ url: `/api/v1/sessions/${SID}/events`, headers: { cookie: s.cookie } })).body;
}

beforeAll(async () => {
  s = await startTestServer({ REPRISE_ALLOWED_ORIGINS: 'https://shop.example' });
  expect((await postBatch(s, makeBatch(SID, 0, [domEvent(1000), domEvent(1001)]))).statusCode).toBe(200);
  before = await eventsBody();
  expect(parseNdjson(before)).toHaveLength(2);
});
afterAll(async () => s.close());

function raw(payload: Buffer | string, headers: Record<string, string>, key: string | null = s.projectKey) {
  return s.app.inject({ method: 'POST', url: `/ingest/v1/batch${key === null ? '' : `?key=${key}`}`, headers, payload });
}

const JSON_GZ = { 'content-type': 'application/json', 'content-encoding': 'gzip' };

describe('bad input gets a 4xx with a reason and loses nothing', () => {
  const cases: [string, () => ReturnType<typeof raw>, number, string][] = [
    ['malformed JSON', () => raw(gzipSync('{"v":1,'), JSON_GZ), 400, 'bad_json'],
    ['malformed JSON, uncompressed', () => raw('{nope', { 'content-type': 'application/json' }), 400, 'bad_json'],
    ['malformed gzip', () => raw(randomBytes(200), JSON_GZ), 400, 'bad_gzip'],
    ['truncated gzip', () => raw(gz(makeBatch(SID, 5, [domEvent(5)])).subarray(0, 20), JSON_GZ), 400, 'bad_gzip'],
    ['wrong content type', () => raw('hello', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
    [
      'unknown content encoding',
      () => raw('x', { 'content-type': 'application/json', 'content-encoding': 'br' }),
      415,
      'unsupported_encoding',
    ],
    ['malformed deflate', () => raw('not a zlib stream', { ...JSON_GZ, 'content-encoding': 'deflate' }), 400, 'bad_deflate'],
    ['missing project key', () => raw(gz(makeBatch(SID, 6, [])), JSON_GZ, null), 401, 'missing_project_key'],
    ['unknown project key', () => raw(gz(makeBatch(SID, 6, [])), JSON_GZ, 'pk_nope'), 401, 'unknown_project_key'],
    ['compressed body over the limit', () => raw(randomBytes(1024 * 1024 + 10), JSON_GZ), 413, 'body_too_large'],
    ['zip bomb over the decompressed limit', () => raw(gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20)), JSON_GZ), 413, 'body_too_large'],
    [
      'origin not allowed',
      () => raw(gz(makeBatch(SID, 7, [domEvent(7)])), { ...JSON_GZ, origin: 'https://evil.example' }),
      403,
      'origin_not_allowed',
    ],
    ['wrong version', () => raw(gz({ ...makeBatch(SID, 8, []), v: 99 }), JSON_GZ), 400, 'invalid_batch'],
    ['bad session id', () => raw(gz(makeBatch('../../etc/passwd', 8, [])), JSON_GZ), 400, 'invalid_batch'],
    ['negative seq', () => raw(gz(makeBatch(SID, -1, [])), JSON_GZ), 400, 'invalid_batch'],
    ['unknown event kind', () => raw(gz(makeBatch(SID, 9, [{ t: 1, kind: 'evil', data: {} } as never])), JSON_GZ), 400, 'invalid_batch'],
    [
      'dom event without an rrweb event',
      () => raw(gz(makeBatch(SID, 9, [{ t: 1, kind: 'dom', data: 'x' }])), JSON_GZ),
      400,
      'invalid_batch',
    ],
    ['JSON that is not an object', () => raw(gz([1, 2, 3]), JSON_GZ), 400, 'invalid_batch'],
    ['empty body', () => raw('', { 'content-type': 'application/json' }), 400, 'empty_body'],
  ];
  for (const [name, send, status, code] of cases) {
    it(name, async () => {
      const r = await send();
      expect(r.statusCode).toBe(status);
      const body = r.json() as { error: string; message: string };
      expect(body.error).toBe(code);
      expect(body.message.length).toBeGreaterThan(3);
    });
  }

  it('a session id owned by another project is refused', async () => {
    const create = await s.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { cookie: s.cookie },
      payload: { name: 'Other', allowedOrigins: ['*'] },
    });
    const other = create.json() as { key: string };
    const r = await raw(gz(makeBatch(SID, 1, [domEvent(3)])), JSON_GZ, other.key);
    expect(r.statusCode).toBe(409);
  });

  it('an allowed origin is accepted with CORS headers, and preflight works', async () => {
    const pre = await s.app.inject({
      method: 'OPTIONS',
      url: `/ingest/v1/batch?key=${s.projectKey}`,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://shop.example');
    const r = await postBatch(s, makeBatch('sess_corsokcors', 0, [domEvent(1)]), { origin: 'https://shop.example' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('random garbage never produces a 5xx', async () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    // A different session, so a mutation that stays valid cannot touch the one checked below.
    const valid = JSON.stringify(makeBatch('sess_fuzzfuzz01', 50, [domEvent(50)]));
    for (let i = 0; i < 200; i++) {
      // Mutate a valid batch: flip, drop or insert characters.
      const chars = valid.split('');
      for (let k = 0; k < 1 + Math.floor(rnd() * 5); k++) {
        const at = Math.floor(rnd() * chars.length);
        const op = rnd();
        if (op < 0.33) chars.splice(at, 1);
        else if (op < 0.66) chars[at] = String.fromCharCode(32 + Math.floor(rnd() * 95));
        else chars.splice(at, 0, '{["\\,:0'.charAt(Math.floor(rnd() * 8)));
      }
      const body = chars.join('');
      const r = await raw(rnd() < 0.5 ? gzipSync(body) : body, rnd() < 0.5 ? JSON_GZ : { 'content-type': 'application/json' });
      expect(r.statusCode, body).toBeLessThan(500);
    }
  });

  it('nothing stored was lost or changed by any of it', async () => {
    expect(await eventsBody()).toBe(before);
  });
});
