import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, type RunningServer } from '../../e2e/support/server.js';
import { BENCH_DIR } from './results.js';

export type { RunningServer };

const ROOT = path.resolve(BENCH_DIR, '..');
export const RECORDER_BUNDLE = path.join(ROOT, 'packages/recorder/dist/browser/reprise.js');

/** The whole server in-process (real SQLite, real loopback HTTP), as the end-to-end tests run it. */
export async function startBenchServer(opts: { needRecorder: boolean }): Promise<RunningServer> {
  if (opts.needRecorder && !existsSync(RECORDER_BUNDLE)) {
    throw new Error(`recorder bundle missing at ${RECORDER_BUNDLE}: run \`npm run build\` first`);
  }
  return startServer();
}

/** POSTs one gzip batch body to the ingest endpoint; rejects unless the server acks it. */
export async function postGzipBatch(base: string, key: string, body: Uint8Array<ArrayBuffer>): Promise<{ duplicate: boolean }> {
  const res = await fetch(`${base}/ingest/v1/batch?key=${encodeURIComponent(key)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body,
  });
  const ack = (await res.json()) as { ok?: boolean; duplicate?: boolean };
  if (res.status !== 200 || ack.ok !== true) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(ack)}`);
  return { duplicate: ack.duplicate === true };
}

/** Identifies the recorder build being measured: it may be rebuilt while a benchmark runs. */
export function recorderFingerprint(bytes: Buffer = readFileSync(RECORDER_BUNDLE)): string {
  const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return `sha256:${sha}, ${bytes.length} bytes`;
}
