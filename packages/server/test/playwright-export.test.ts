import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { checkoutEvents, SECRET_HEADER } from './digest-fixture.js';
import { makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;
const T0 = Date.now() - 3 * 3600_000;

async function store(sid: string, events: ReplayEvent[]): Promise<void> {
  for (let seq = 0; seq * 200 < events.length; seq++) {
    const res = await postBatch(s, makeBatch(sid, seq, events.slice(seq * 200, (seq + 1) * 200), 'https://shop.example/checkout'));
    expect(res.statusCode, res.body).toBe(200);
  }
}

async function spec(sid: string, query = ''): Promise<string> {
  const res = await s.app.inject({ url: `/api/v1/sessions/${sid}/playwright${query}`, headers: { cookie: s.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return res.body;
}

/** Syntax errors of the spec as TypeScript (empty when it parses). */
function syntaxErrors(source: string): string[] {
  const out = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  return (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

beforeAll(async () => {
  s = await startTestServer();
  await store('pw_checkout', checkoutEvents(T0));
});
afterAll(async () => s.close());

describe('Playwright export', () => {
  it('writes the checkout as a spec', async () => {
    const text = await spec('pw_checkout');
    console.log(text);
    expect(syntaxErrors(text)).toEqual([]);
    expect(text).not.toContain(SECRET_HEADER);
  });
});
