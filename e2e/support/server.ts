import type { FastifyInstance } from 'fastify';
import type { SessionDetail } from '@reprise/protocol';
import { createInstance } from '../../packages/server/test/helpers.js';

export const ADMIN = { email: 'admin@e2e.local', password: 'e2e admin password' };

export interface RunningServer {
  app: FastifyInstance;
  base: string;
  dataDir: string;
  projectKey: string;
  /** GET an API path as the admin (bearer token), parsed as JSON. */
  api<T>(p: string): Promise<T>;
  apiText(p: string): Promise<string>;
  /** Sends JSON to an API path as the admin; returns status and parsed body. */
  apiSend<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Waits until the session exists, stops growing and no batch is being ingested: the recorder has flushed everything. */
  waitForSession(id: string): Promise<SessionDetail>;
  close(): Promise<void>;
}

/**
 * The whole product in-process, as `npm start` runs it: real SQLite store, the
 * built viewer and SDK, and the demo shop, on a real loopback port.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const inst = await createInstance({ env, admin: ADMIN, demo: true });
  const { app, dataDir } = inst;
  // Ingest requests whose body arrived but which aren't answered yet: a batch that is
  // being committed (slow under load) must not let waitForSession call the session settled.
  // Counted from preHandler, as a request whose body never arrives (a page torn down
  // mid-upload) is no batch at all.
  const ingesting = new Set<string>();
  // Counted until the response closes: a request the browser aborts after sending its body
  // (a page torn down) fires neither onResponse nor onRequestAbort.
  app.addHook('preHandler', async (req, reply) => {
    if (!req.url.startsWith('/ingest/')) return;
    ingesting.add(req.id);
    reply.raw.once('close', () => ingesting.delete(req.id));
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const base = address.replace('127.0.0.1', 'localhost');
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const token = (
    (await (
      await fetch(`${base}/api/v1/tokens`, {
        method: 'POST',
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { token: string }
  ).token;
  const get = async (p: string) => {
    const r = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`GET ${p} → ${r.status} ${await r.text()}`);
    return r;
  };
  const api = async <T>(p: string) => (await (await get(p)).json()) as T;
  const waitForSession = async (id: string): Promise<SessionDetail> => {
    let last = -1;
    for (let i = 0; i < 60; i++) {
      const r = await fetch(`${base}/api/v1/sessions/${id}`, { headers: { authorization: `Bearer ${token}` } });
      if (r.ok) {
        const d = (await r.json()) as SessionDetail;
        if (d.eventCount === last && ingesting.size === 0) return d;
        last = d.eventCount;
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
    throw new Error(`session ${id} never settled`);
  };
  const apiSend = async <T>(method: string, p: string, body?: unknown) => {
    const r = await fetch(`${base}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
  };
  return {
    app,
    apiSend,
    waitForSession,
    base,
    dataDir,
    projectKey: inst.projectKey,
    api,
    apiText: async (p: string) => (await get(p)).text(),
    close: inst.close,
  };
}
