import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { parseNdjson, type Batch, type RrwebEvent } from '@reprise/protocol';
import { rebatchAndGzip } from './baseline-batching.js';
import { CountingProxy } from './ingest-capture.js';
import { PageServer } from './recorder-pages.js';
import { buildRrwebBundle, buildWorkloadBundle, drainExpression } from './recorder-variants.js';
import { workloads, type Site, type Workload, type WorkloadSizes } from './recorder-workloads.js';
import type { RunningServer } from './server.js';
import { waitForStableSession } from './session-wait.js';

/** Bytes one recorder workload put on the wire, with the same events' baseline. */
export interface WorkloadBytes {
  sentBytes: number;
  rawBytes: number;
  requests: number;
  baselineGzipBytes: number;
  baselineJsonBytes: number;
  /** Per request: bytes as sent, decompressed, and what the batch held (for diagnosis). */
  batches: { sent: number; raw: number; encoding: string; ref: boolean; events: string }[];
}

/** What a batch's events are, briefly: `dom:2 dom:3/0×2 console` (rrweb type / incremental source). */
function describeEvents(raw: Buffer | null): string {
  if (!raw) return '?';
  try {
    const batch = JSON.parse(raw.toString('utf8')) as Batch;
    const counts = new Map<string, number>();
    for (const e of batch.events) {
      const d = e.data as { type?: number; data?: { source?: number } };
      const k = e.kind === 'dom' ? `dom:${d.type}${d.type === 3 ? `/${d.data?.source}` : ''}` : e.kind;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [...counts].map(([k, n]) => (n > 1 ? `${k}×${n}` : k)).join(' ');
  } catch {
    return 'encoded';
  }
}

/** PAYLOAD_DUMP_DIR: each decoded body as `<key>-<i>-<bytes as sent>.json`, and how it was sent, for per-batch breakdowns. */
export function dumpBodies(dir: string, key: string, proxy: CountingProxy): void {
  const sent = proxy.requests().map(({ request, raw }, i) => {
    if (raw) writeFileSync(path.join(dir, `${key}-${i}-${request.body.length}.json`), raw);
    const { encoding, dict, ref, status } = request;
    return { i, bytes: request.body.length, encoding, dict, ref, status };
  });
  writeFileSync(path.join(dir, `${key}-requests.json`), JSON.stringify(sent, null, 1));
}

/**
 * Runs the recorder benchmark's workloads (bench/lib/recorder-workloads.ts) once each with the
 * Reprise SDK, through the recorder benchmark's page server and a counting proxy in front of the
 * real server, and counts every ingest body. The workload's whole session counts (its start,
 * the window, the flush), and the baseline is the same session's stored rrweb events.
 */
export class WorkloadBytesRunner {
  private constructor(
    private readonly server: RunningServer,
    private readonly files: { workloads: string; rrweb: string; sdk: Buffer },
    readonly list: Workload[],
  ) {}

  static async create(server: RunningServer, sdk: Buffer, sizes: WorkloadSizes): Promise<WorkloadBytesRunner> {
    const [rrweb, workloadJs] = await Promise.all([buildRrwebBundle(), buildWorkloadBundle()]);
    return new WorkloadBytesRunner(server, { workloads: workloadJs.code, rrweb: rrweb.code, sdk }, workloads(sizes));
  }

  async run(browser: Browser, w: Workload): Promise<WorkloadBytes> {
    const proxy = await CountingProxy.start(this.server.base);
    const pages = await PageServer.start(proxy.base, this.server.projectKey, this.files);
    const site: Site = { base: pages.base, projectKey: this.server.projectKey };
    const context = await browser.newContext({ viewport: w.viewport });
    try {
      if (w.initScript) await context.addInitScript(w.initScript);
      const page = await context.newPage();
      await w.open(page, site, 'reprise');
      await w.act(page, site, 'reprise');
      await page.evaluate(drainExpression('reprise'));
      const sessionId = await page.evaluate(
        () => (JSON.parse(sessionStorage.getItem('reprise:session') || '{}') as { id?: string }).id ?? '',
      );
      if (!sessionId) throw new Error(`${w.key}: the recorder did not start a session`);
      await page.goto('about:blank'); // pagehide: whatever is left goes out with keepalive
      const detail = await waitForStableSession(this.server, sessionId, () => proxy.pending, 1000);
      if (detail.missingSeqs.length > 0) throw new Error(`${w.key}: server reports missing seqs ${detail.missingSeqs.join(',')}`);
      const events = parseNdjson(await this.server.apiText(`/api/v1/sessions/${sessionId}/events`));
      const dom = events.filter((e) => e.kind === 'dom').map((e) => e.data as RrwebEvent);
      const baseline = rebatchAndGzip(dom, 5000);
      const t = proxy.totals;
      if (process.env.PAYLOAD_DUMP_DIR) dumpBodies(process.env.PAYLOAD_DUMP_DIR, w.key, proxy);
      if (t.bodiesUnavailable > 0) throw new Error(`${w.key}: ${t.bodiesUnavailable} request bodies could not be decoded`);
      return {
        sentBytes: t.sentBytes,
        rawBytes: t.decompressedBytes,
        requests: t.requests,
        baselineGzipBytes: baseline.gzipBytes,
        baselineJsonBytes: baseline.jsonBytes,
        batches: proxy.requests().map(({ request, raw }) => ({
          sent: request.body.length,
          raw: raw?.length ?? 0,
          encoding: request.encoding,
          ref: request.ref !== null,
          events: describeEvents(raw),
        })),
      };
    } finally {
      await context.close();
      await pages.close();
      await proxy.close();
    }
  }
}
