import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayEvent, SessionDetail } from '@reprise/protocol';
import { parseQuery } from '@reprise/protocol/query';
import { exportSession, importSession, type RepriseExport } from '../src/lifecycle/transfer.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';
import { runCli } from '../../../test-support/cli.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function server(): Promise<TestServer> {
  const s = await startTestServer();
  cleanup.push(() => s.close());
  return s;
}

/** A store in a fresh data dir with one project, as `reprise import` would find it. */
async function freshStore(): Promise<{ store: SqliteStore; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'reprise-import-'));
  const store = new SqliteStore(dir);
  await store.createProject({ name: 'Imported', allowedOrigins: ['*'] });
  cleanup.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, dir };
}

/** Three batches of a shopping session: rrweb DOM, console, network, errors, clicks, identify and tags. */
async function recordSession(s: TestServer, sid: string): Promise<void> {
  const t = 1_700_000_000_000;
  const batches: ReplayEvent[][] = [
    [
      domEvent(t, 4, { href: 'https://shop.example/', width: 1280, height: 800 }),
      domEvent(t + 1, 2, { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { top: 0, left: 0 } }),
      { t: t + 2, kind: 'env', data: { browser: 'Chrome', viewport: { w: 1280, h: 800 } } },
      { t: t + 3, kind: 'custom', data: { type: 'identify', userId: 'user-7', traits: { plan: 'pro' } } },
    ],
    [
      domEvent(t + 1000),
      { t: t + 1001, kind: 'console', data: { level: 'error', args: [{ type: 'string', value: 'card_expiry invalid format' }] } },
      {
        t: t + 1002,
        kind: 'network',
        data: {
          id: 'r1',
          initiator: 'fetch',
          method: 'POST',
          url: 'https://shop.example/api/pay',
          status: 422,
          requestHeaders: {},
          responseHeaders: {},
          requestBody: null,
          responseBody: { kind: 'json', value: '{"error":"card_expiry"}' },
          startedAt: t + 1002,
          durationMs: 31.5,
        },
      },
      {
        t: t + 1003,
        kind: 'click',
        data: {
          selector: 'button[data-testid="pay"]',
          text: 'Pay',
          testId: 'pay',
          tag: 'button',
          interactive: true,
          x: 100,
          y: 200,
          nodeId: 42,
        },
      },
      { t: t + 1004, kind: 'custom', data: { type: 'tag', key: 'cart', value: '2 items' } },
    ],
    [
      {
        t: t + 2000,
        kind: 'error',
        data: {
          name: 'TypeError',
          message: "Cannot read properties of undefined (reading 'confirmation')",
          stack: 'TypeError\n at retry (checkout.js:10:5)',
          origin: 'error',
        },
      },
      { t: t + 2001, kind: 'nav', data: { url: 'https://shop.example/checkout', type: 'pushState' } },
      domEvent(t + 2002, 3, { source: 0, adds: [], removes: [], texts: [{ id: 1, value: 'x' }], attributes: [] }),
    ],
  ];
  for (const [seq, events] of batches.entries()) {
    expect((await postBatch(s, makeBatch(sid, seq, events))).statusCode).toBe(200);
  }
}

const sessionShape = (d: SessionDetail) => {
  const { projectId: _p, live: _l, ...rest } = d;
  return rest;
};

const search = async (store: SqliteStore, text: string) => {
  const q = parseQuery(text);
  if (!q.ok) throw new Error(q.error.message);
  return (await store.searchSessions({ ast: q.ast, sort: 'newest', limit: 10, cursor: null, now: Date.now() })).sessions.map((x) => x.id);
};

describe('export and import', () => {
  it('An import round trip preserves every event (export → import into a fresh store → export)', async () => {
    const s = await server();
    await recordSession(s, 'sess_roundtrip1');
    const first = (await exportSession(s.store, 'sess_roundtrip1', 'reprise'))!;
    expect(first.format).toBe('reprise-session');
    expect(first.version).toBe(1);
    expect(first.batches.map((b) => [b.seq, b.events.length])).toEqual([
      [0, 4],
      [1, 5],
      [2, 3],
    ]);
    // Through JSON text, as a file carries it.
    const file = JSON.parse(JSON.stringify(first)) as unknown;

    const { store } = await freshStore();
    const r = await importSession(store, file);
    expect(r).toMatchObject({ format: 'reprise', sessionId: 'sess_roundtrip1', takenId: null, batches: 3, events: 12 });
    const second = (await exportSession(store, 'sess_roundtrip1', 'reprise'))!;
    expect(second.batches).toEqual(first.batches);
    expect(await store.readEvents('sess_roundtrip1')).toEqual(await s.store.readEvents('sess_roundtrip1'));
    // The summary is rebuilt from the events by the normal ingest path: same counts, user, tags, times.
    expect(sessionShape(second.session)).toEqual(sessionShape(first.session));
    expect(second.session).toMatchObject({ userId: 'user-7', tags: { cart: '2 items' }, firstUrl: 'https://shop.example/' });
    expect(second.session.counts).toMatchObject({ errors: 1, consoleErrors: 1, network4xx: 1, clicks: 1 });
    // Index rows were re-extracted, so search finds the import.
    expect(await search(store, 'card_expiry')).toEqual(['sess_roundtrip1']);
    expect(await search(store, 'user:user-7 status:422')).toEqual(['sess_roundtrip1']);

    // Importing again where the id is taken makes a new session and says so.
    const again = await importSession(store, file);
    expect(again.takenId).toBe('sess_roundtrip1');
    expect(again.sessionId).not.toBe('sess_roundtrip1');
    expect((await store.readBatches(again.sessionId)).map((b) => b.events)).toEqual(first.batches.map((b) => b.events));
  });

  it('exports rrweb events (the data of dom events, by timestamp) and imports them as a new session', async () => {
    const s = await server();
    await recordSession(s, 'sess_rrweb_exp1');
    const rr = (await exportSession(s.store, 'sess_rrweb_exp1', 'rrweb'))!;
    const dom = (await s.store.readEvents('sess_rrweb_exp1')).filter((e) => e.kind === 'dom');
    expect(rr).toEqual(dom.map((e) => e.data));
    expect(rr.map((e) => e.type)).toEqual([4, 2, 3, 3]);

    const { store } = await freshStore();
    const r = await importSession(store, JSON.parse(JSON.stringify(rr)) as unknown);
    expect(r).toMatchObject({ format: 'rrweb', takenId: null, batches: 1, events: 4 });
    expect(await exportSession(store, r.sessionId, 'rrweb')).toEqual(rr);
    expect(await store.getSession(r.sessionId)).toMatchObject({ firstUrl: 'https://shop.example/', eventCount: 4, ip: null });
    expect(await exportSession(store, 'no_such_session', 'rrweb')).toBeNull();
  });

  it('cuts a long rrweb recording into batches and rejects what is not an export', async () => {
    const { store } = await freshStore();
    const rr = [
      { type: 4, timestamp: 1, data: { href: 'https://a.example/' } },
      ...Array.from({ length: 2500 }, (_, i) => ({ type: 3, timestamp: 2 + i, data: { source: 1, positions: [] } })),
    ];
    const r = await importSession(store, rr);
    expect(r.batches).toBe(3);
    expect((await store.readBatches(r.sessionId)).map((b) => b.events.length)).toEqual([1000, 1000, 501]);
    await expect(importSession(store, { hello: 1 })).rejects.toThrow(/not a Reprise export/);
    await expect(importSession(store, [{ type: 'x' }])).rejects.toThrow(/event 0/);
    await expect(importSession(store, { format: 'reprise-session', version: 2 })).rejects.toThrow(/version 2/);
    const bad = {
      format: 'reprise-session',
      version: 1,
      session: { id: 'sess_badbatch1' },
      batches: [{ seq: 0, receivedAt: 1, events: [{ t: 1, kind: 'nope', data: 1 }] }],
    };
    await expect(importSession(store, bad)).rejects.toThrow(/batch seq 0/);
    expect(await store.getSession('sess_badbatch1')).toBeNull();
  });

  it('npx reprise export / import, both formats', async () => {
    const s = await server();
    await recordSession(s, 'sess_cli_export');
    const out = mkdtempSync(path.join(tmpdir(), 'reprise-export-'));
    const target = mkdtempSync(path.join(tmpdir(), 'reprise-cli-import-'));
    cleanup.push(() => rmSync(out, { recursive: true, force: true }));
    cleanup.push(() => rmSync(target, { recursive: true, force: true }));
    const cli = (dir: string, ...args: string[]) =>
      runCli(args, { ...process.env, REPRISE_DATA_DIR: dir, REPRISE_ADMIN_PASSWORD: 'x'.repeat(16) });

    await cli(s.dataDir, 'export', 'sess_cli_export', '--out', path.join(out, 's.json'));
    const { stdout: rrText } = await cli(s.dataDir, 'export', 'sess_cli_export', '--format', 'rrweb');
    const file = JSON.parse(readFileSync(path.join(out, 's.json'), 'utf8')) as RepriseExport;
    expect(file.batches).toEqual((await exportSession(s.store, 'sess_cli_export', 'reprise'))!.batches);
    expect(JSON.parse(rrText)).toEqual(await exportSession(s.store, 'sess_cli_export', 'rrweb'));

    const imported = await cli(target, 'import', path.join(out, 's.json'));
    expect(imported.stdout.trim()).toBe('sess_cli_export');
    const twice = await cli(target, 'import', path.join(out, 's.json'));
    expect(twice.stderr).toMatch(/session id sess_cli_export is taken: imported as [A-Za-z0-9_-]+/);
    writeFileSync(path.join(out, 'rr.json'), rrText);
    const rr = await cli(target, 'import', path.join(out, 'rr.json'));
    expect(rr.stderr).toMatch(/imported rrweb file: 1 batch, 4 events/);

    const check = new SqliteStore(target);
    try {
      expect(await check.readBatches('sess_cli_export')).toEqual(file.batches);
      expect(await exportSession(check, rr.stdout.trim(), 'rrweb')).toEqual(JSON.parse(rrText));
    } finally {
      await check.close();
    }
    await expect(cli(s.dataDir, 'export', 'nope_nope_nope')).rejects.toMatchObject({
      stderr: expect.stringMatching(/no session nope_nope_nope/),
    });
  }, 180_000);
});
