import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorGroup, FailingEndpoint, ProblemList, ReplayEvent, SessionDetail, SessionList } from '@reprise/protocol';
import { parseNdjson } from '@reprise/protocol';
import { ChunkCipher, parseEncryptionKeys } from '../src/store/chunks/crypto.js';
import { IndexSealer, searchWords } from '../src/store/index-seal.js';
import { makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * With REPRISE_ENCRYPTION_KEY set, the text ingest indexes (console text, page and request URLs,
 * error messages) is sealed in the database: no stored byte holds it, on SQLite (db + WAL +
 * chunk files) or PostgreSQL (every table) + S3 (every object). Search, the session and the
 * top problems still show it decrypted.
 */
const KEY = `k1:${randomBytes(32).toString('base64')}`;
const SID = 'sess_sealed_index';
const NOW = Date.now();
// Distinct words, so any stored trace of them (even a trigram index) would be found.
const W = {
  firstUrl: 'firstpagesecretxq',
  urlQuery: 'urlquerysecretzv',
  nav: 'navpagesecretkd',
  request: 'requestsecretpw',
  console: 'consolesecretjm',
  error: 'errorsecretfy',
  stack: 'stacksecretlb',
};
const FIRST_URL = `https://shop.example/${W.firstUrl}/start?q=${W.urlQuery}`;

let s: TestServer;

async function get<T>(url: string): Promise<T> {
  const r = await s.app.inject({ url, headers: { cookie: s.cookie } });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as T;
}

const ids = async (q: string) => (await get<SessionList>(`/api/v1/sessions?q=${encodeURIComponent(q)}`)).sessions.map((x) => x.id);

/** Every byte the server stored: files under the data dir, every metadata table, every chunk object. */
async function storedBytes(): Promise<Buffer> {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p));
    }
  };
  walk(s.dataDir);
  if (s.backend === 'postgres') {
    const tables = await s.query<{ name: string }>(
      "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = current_schema()",
    );
    for (const { name } of tables) {
      for (const row of await s.query<{ r: string }>(`SELECT t::text AS r FROM ${name} t`)) parts.push(Buffer.from(row.r));
    }
  }
  for await (const o of s.store.chunks.list('')) parts.push(await s.store.chunks.get(o.key));
  return Buffer.concat(parts);
}

beforeAll(async () => {
  s = await startTestServer({ REPRISE_ENCRYPTION_KEY: KEY }, { cipher: new ChunkCipher(parseEncryptionKeys(KEY)) });
  const t = NOW - 60_000;
  const events: ReplayEvent[] = [
    { t, kind: 'nav', data: { type: 'pushState', url: `https://shop.example/orders/${W.nav}` } },
    {
      t: t + 1,
      kind: 'network',
      data: {
        id: 'r1',
        initiator: 'fetch',
        method: 'POST',
        url: `https://api.example/v1/${W.request}/7`,
        status: 500,
        requestHeaders: {},
        responseHeaders: {},
        requestBody: null,
        responseBody: null,
        startedAt: t + 1,
        durationMs: 5,
      },
    },
    { t: t + 2, kind: 'console', data: { level: 'warn', args: [{ type: 'string', value: `Card ${W.console} declined` }] } },
    {
      t: t + 3,
      kind: 'error',
      data: {
        name: 'TypeError',
        message: `Order ${W.error} failed`,
        stack: `TypeError: x\n    at ${W.stack} (app.js:1:1)`,
        origin: 'error',
      },
    },
  ];
  expect((await postBatch(s, makeBatch(SID, 0, events, FIRST_URL))).statusCode).toBe(200);
  // A second session, so a search that matched everything would show.
  const other: ReplayEvent[] = [{ t, kind: 'console', data: { level: 'log', args: [{ type: 'string', value: 'nothing to see' }] } }];
  expect((await postBatch(s, makeBatch('sess_sealed_other', 0, other, 'https://shop.example/plain'))).statusCode).toBe(200);
});
afterAll(async () => s?.close());

describe(`encrypted index text (${process.env.REPRISE_TEST_BACKEND ?? 'sqlite'})`, () => {
  it('stores none of the indexed text in plain text', async () => {
    const bytes = await storedBytes();
    expect(bytes.length).toBeGreaterThan(0);
    for (const [name, word] of Object.entries(W)) expect(bytes.includes(Buffer.from(word)), name).toBe(false);
    // Not vacuous: the unencrypted parts are there (the other session's URL is a first URL too, sealed).
    expect(bytes.includes(Buffer.from(SID))).toBe(true);
  });

  it('shows the session, its events and the top problems decrypted', async () => {
    const d = await get<SessionDetail>(`/api/v1/sessions/${SID}`);
    expect(d.firstUrl).toBe(FIRST_URL);
    const list = await get<SessionList>('/api/v1/sessions');
    expect(list.sessions.find((x) => x.id === SID)?.firstUrl).toBe(FIRST_URL);
    const r = await s.app.inject({ url: `/api/v1/sessions/${SID}/events`, headers: { cookie: s.cookie } });
    const text = JSON.stringify(parseNdjson(r.body));
    for (const word of [W.console, W.request, W.error, W.nav]) expect(text).toContain(word);
    const endpoints = await get<ProblemList<FailingEndpoint>>('/api/v1/problems/endpoints');
    expect(endpoints.rows.map((x) => x.route)).toEqual([`/v1/${W.request}/:id`]);
    const errors = await get<ProblemList<ErrorGroup>>('/api/v1/problems/errors');
    expect(errors.rows.map((x) => [x.name, x.example])).toEqual([['TypeError', `Order ${W.error} failed`]]);
  });

  it('finds the session by whole words of its console text, URLs and error messages', async () => {
    expect(await ids(W.console)).toEqual([SID]);
    expect(await ids(`console:${W.console.toUpperCase()}`)).toEqual([SID]);
    expect(await ids(`console:"card ${W.console}" console:warn`)).toEqual([SID]);
    expect(await ids(`url:${W.firstUrl}`)).toEqual([SID]);
    expect(await ids(`url:${W.urlQuery}`)).toEqual([SID]);
    expect(await ids(`url:/orders/${W.nav}`)).toEqual([SID]);
    expect(await ids(`request:${W.request} status:500`)).toEqual([SID]);
    expect(await ids(`error:"${W.error} failed"`)).toEqual([SID]);
    expect(await ids(W.error)).toEqual([SID]);
    expect(await ids('url:plain')).toEqual(['sess_sealed_other']);
    // Whole words only, and conditions still narrow.
    expect(await ids(W.console.slice(0, 8))).toEqual([]);
    expect(await ids(`request:${W.request} status:404`)).toEqual([]);
    expect(await ids(`console:${W.error}`)).toEqual([]);
    expect(await ids(`-${W.console}`)).toEqual(['sess_sealed_other']);
  });

  it('still finds and shows rows written before encryption was turned on, by substring', async () => {
    const legacy = 'sess_sealed_legacy';
    const t = NOW - 30_000;
    expect(
      (await postBatch(s, makeBatch(legacy, 0, [{ t, kind: 'custom', data: { type: 'tag', key: 'k', value: 'v' } }], 'https://x.example/')))
        .statusCode,
    ).toBe(200);
    // What a server without the key wrote: plain search_text rows and a plain first URL.
    await s.exec("INSERT INTO search_text (session_id, field, text) VALUES (?, 'console', 'Legacy plaintext message')", legacy);
    await s.exec("UPDATE sessions SET first_url = 'https://legacy.example/plain' WHERE id = ?", legacy);
    expect(await ids('console:"plaintext mess"')).toEqual([legacy]);
    expect(await ids('plaintext mess')).toEqual([legacy]);
    expect((await get<SessionDetail>(`/api/v1/sessions/${legacy}`)).firstUrl).toBe('https://legacy.example/plain');
  });
});

describe('index sealing', () => {
  const A = `a:${randomBytes(32).toString('base64')}`;
  const B = `b:${randomBytes(32).toString('base64')}`;
  const sealer = (v: string) => new IndexSealer(parseEncryptionKeys(v));

  it('seals deterministically, opens under rotation, and says so for a key it lacks', () => {
    const a = sealer(A);
    const sealed = a.seal('https://shop.example/cart?x=1');
    expect(sealed).toBe(a.seal('https://shop.example/cart?x=1'));
    expect(sealed).not.toContain('shop');
    expect(a.open(sealed)).toBe('https://shop.example/cart?x=1');
    expect(a.open('plain text from before')).toBe('plain text from before');
    const rotated = sealer(`${B},${A}`);
    expect(rotated.open(sealed)).toBe('https://shop.example/cart?x=1');
    expect(rotated.seal('x')).toMatch(/^rpx1:b:/);
    expect(sealer(B).open(sealed)).toBe('[encrypted with an unknown key]');
    expect(a.open(`${sealed.slice(0, -4)}AAAA`)).toBe('[unreadable encrypted value]');
  });

  it('tokenizes whole lower-cased words; a rotated key set searches the old tokens too', () => {
    expect(searchWords('GET /api/Orders/42?x=Ünïcode')).toEqual(['get', 'api', 'orders', '42', 'x', 'ünïcode']);
    const a = sealer(A);
    const text = a.tokenText('Card declined');
    const [oldToken] = a.queryTokens('DECLINED');
    expect(text.split(' ')).toContain(oldToken);
    const both = sealer(`${B},${A}`).queryTokens('declined');
    expect(both).toHaveLength(2);
    expect(both[1]).toBe(oldToken);
  });
});
