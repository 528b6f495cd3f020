import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson } from '@reprise/protocol';
import { createStorage, type TestStorage } from './backend.js';
import { ADMIN, domEvent, gz, makeBatch } from './helpers.js';
import { builtCli } from '../../../test-support/cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// SQLite + local files, or PostgreSQL + S3 with REPRISE_TEST_BACKEND=postgres.
let storage: TestStorage;
beforeAll(async () => (storage = await createStorage()));
afterAll(async () => storage.cleanup());

/** Starts the real CLI in its own process and resolves with its base URL and project key. */
function startServer(): Promise<{ child: ChildProcess; base: string; key: string }> {
  const child = spawn(process.execPath, [builtCli(), 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      ...storage.env,
      PORT: '0',
      REPRISE_HOST: '127.0.0.1',
      REPRISE_DEMO: '0',
      REPRISE_ADMIN_EMAIL: ADMIN.email,
      REPRISE_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let base = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      base ||= /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
      const key = /project key \(default project\): (\S+)/.exec(out)?.[1];
      if (base && key) resolve({ child, base, key });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

describe('durability', () => {
  it('keeps every acknowledged batch across kill -9', async () => {
    const a = await startServer();
    const sid = 'sess_killnine01';
    const acked: number[] = [];
    let killed = false;
    // Fire many batches at once and kill the process the instant the 10th ack lands.
    const sends = Array.from({ length: 40 }, (_, seq) =>
      fetch(`${a.base}/ingest/v1/batch?key=${a.key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gz(makeBatch(sid, seq, [domEvent(1000 + seq), domEvent(1000 + seq + 0.5)])),
      })
        .then(async (r) => {
          if (r.status === 200 && !killed) {
            acked.push(seq);
            if (acked.length === 10) {
              killed = true;
              a.child.kill('SIGKILL');
            }
          }
        })
        .catch(() => undefined),
    );
    await Promise.all(sends);
    await new Promise((r) => (a.child.exitCode !== null || a.child.signalCode ? r(null) : a.child.once('exit', r)));
    expect(acked.length).toBeGreaterThanOrEqual(10);

    const b = await startServer();
    try {
      const login = await fetch(`${b.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const res = await fetch(`${b.base}/api/v1/sessions/${sid}/events`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const ts = new Set(parseNdjson(await res.text()).map((e) => e.t));
      for (const seq of acked) {
        expect(ts.has(1000 + seq), `acknowledged batch ${seq} survived`).toBe(true);
        expect(ts.has(1000 + seq + 0.5)).toBe(true);
      }
    } finally {
      b.child.kill('SIGKILL');
    }
  });
});
