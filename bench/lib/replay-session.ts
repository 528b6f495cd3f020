import { gzipSync } from 'node:zlib';
import type { ReplayEvent } from '@reprise/protocol';
import { generateLongSession, type LongSession, type LongSessionOptions } from '../../test-support/long-session.js';
import { DEFAULTS as RECORDER_DEFAULTS } from '../../packages/recorder/src/options.js';
import { postGzipBatch, type RunningServer } from './server.js';
import { toBatch } from './synthetic-rrweb.js';

/** The recorder's defaults (checkout and upload intervals), so the session is cut the way it would record. */
export function recorderIntervals(): { checkoutEveryMs: number; batchEveryMs: number } {
  return { checkoutEveryMs: RECORDER_DEFAULTS.checkoutEveryNms, batchEveryMs: RECORDER_DEFAULTS.flushIntervalMs };
}

export interface IngestedSession {
  sessionId: string;
  session: LongSession;
  /** Batches, events, their JSON size and the stored (gzip) size. */
  stats: {
    batches: number;
    domEvents: number;
    otherEvents: number;
    fullSnapshots: number;
    jsonBytes: number;
    gzipBytes: number;
    ingestMs: number;
  };
}

/** Generates the session and POSTs its batches (gzip, as the recorder sends them) to the real ingest endpoint, a few at a time. */
export async function ingestLongSession(server: RunningServer, sessionId: string, opts: LongSessionOptions): Promise<IngestedSession> {
  const session = generateLongSession(opts);
  const bodies = session.batches.map((events, seq) => gzipSync(JSON.stringify(toBatch(sessionId, seq, events))));
  const stats = { batches: bodies.length, domEvents: 0, otherEvents: 0, fullSnapshots: 0, jsonBytes: 0, gzipBytes: 0, ingestMs: 0 };
  for (const b of session.batches) {
    stats.jsonBytes += Buffer.byteLength(JSON.stringify(b));
    for (const e of b as ReplayEvent[]) {
      if (e.kind !== 'dom') stats.otherEvents++;
      else {
        stats.domEvents++;
        if ((e.data as { type: number }).type === 2) stats.fullSnapshots++;
      }
    }
  }
  for (const b of bodies) stats.gzipBytes += b.length;
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      await postWithRetry(server, new Uint8Array(body));
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  stats.ingestMs = Date.now() - started;
  return { sessionId, session, stats };
}

/**
 * A batch whose connection was reset is sent again, as the recorder would: the server keeps one
 * copy of a (session, seq). Seen on a loaded machine in the first concurrent requests to a fresh server.
 */
async function postWithRetry(server: RunningServer, body: Uint8Array<ArrayBuffer>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await postGzipBatch(server.base, server.projectKey, body);
      return;
    } catch (err) {
      if (attempt >= 3 || !(err instanceof TypeError)) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
