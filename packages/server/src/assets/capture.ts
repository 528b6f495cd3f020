import { cssAssetUrls, MAX_ASSET_URL_LENGTH, type AssetMode } from '@reprise/protocol';
import type { Project } from '../store/types.js';
import { DEFAULT_FETCH_LIMITS, fetchAsset, type FetchLimits } from './fetch.js';
import { sha256Hex, type AssetIndex, type AssetStore } from './types.js';

export interface AssetCaptureOptions {
  limits?: Partial<FetchLimits>;
  /** Fetches running at once (all sessions together). */
  concurrency?: number;
  /** Batches waiting for capture; past it a batch's assets are not captured (counted in `dropped`). */
  maxQueue?: number;
  log?: { warn(obj: object, msg: string): void };
}

/** URLs taken from one batch; a page naming more is not a page, and the rest are skipped. */
export const MAX_URLS_PER_BATCH = 500;
/** Stylesheets importing stylesheets: followed this deep. */
const MAX_CSS_DEPTH = 3;
/** A `pending` claim older than this belonged to a fetch that died with its process. */
const STALE_CLAIM_MS = 5 * 60_000;

interface Job {
  project: Project;
  sessionId: string;
  urls: string[];
}

/**
 * Server-side asset capture (assets/types.ts). Ingest hands over the asset URLs of each
 * acknowledged batch (`enqueue`, which never waits and never throws); in the background, per
 * the project's mode, they are recorded as the session's (`capture` and `proxy`) and, in
 * `capture`, fetched once per project and URL (fetch.ts) and stored by content hash.
 * Stylesheets are read for the fonts, images and imports they load, which are captured the same way.
 * `fetchOne` is also what a replay's request runs in `proxy` mode.
 */
export class AssetCapture {
  private readonly queue: Job[] = [];
  private readonly limits: FetchLimits;
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private active = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Fetches in flight in this process, by project and URL (a replay asking while capture runs waits for it). */
  private readonly inflight = new Map<string, Promise<void>>();
  dropped = 0;

  constructor(
    private readonly store: AssetStore,
    private readonly opts: AssetCaptureOptions = {},
  ) {
    this.limits = { ...DEFAULT_FETCH_LIMITS, ...opts.limits };
    this.concurrency = opts.concurrency ?? 2;
    this.maxQueue = opts.maxQueue ?? 1000;
  }

  private get index(): AssetIndex {
    return this.store.assets;
  }

  enqueue(project: Project, sessionId: string, urls: readonly string[] | undefined): void {
    if (this.closed || !urls || urls.length === 0) return;
    if (this.queue.length >= this.maxQueue) {
      this.dropped++;
      return;
    }
    this.queue.push({ project, sessionId, urls: urls.filter((u) => u.length <= MAX_ASSET_URL_LENGTH).slice(0, MAX_URLS_PER_BATCH) });
    // After the acknowledgement is on its way: no store work in the ingest request.
    setImmediate(() => this.pump());
  }

  /** Resolves once nothing is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.active === 0 && this.queue.length === 0) return;
    return new Promise<void>((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.idle();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.active++;
      this.run(job)
        .catch((err: unknown) => this.opts.log?.warn({ err, sessionId: job.sessionId }, 'asset capture failed'))
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private async run(job: Job): Promise<void> {
    const mode = await this.index.getAssetMode(job.project.id);
    await this.reference(job.project, job.sessionId, job.urls, mode, 0);
  }

  /** Records the session's URLs; in `capture` mode fetches the ones the project has never seen. */
  private async reference(project: Project, sessionId: string, urls: string[], mode: AssetMode, depth: number): Promise<void> {
    if (mode !== 'capture' && mode !== 'proxy') return;
    const added = await this.index.referenceAssets(project.id, sessionId, urls, Date.now());
    if (mode !== 'capture') return;
    for (const url of added) {
      if (this.closed) return;
      await this.fetchOne(project, sessionId, url, mode, depth);
    }
  }

  /**
   * Fetches and stores one URL the session references, unless another fetch has it or had it
   * (the row is then `pending`, `stored` or `failed`). Resolves when this process's fetch is done.
   */
  fetchOne(project: Project, sessionId: string, url: string, mode: AssetMode, depth = 0): Promise<void> {
    const key = `${project.id} ${url}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.fetchClaimed(project, sessionId, url, mode, depth).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async fetchClaimed(project: Project, sessionId: string, url: string, mode: AssetMode, depth: number): Promise<void> {
    const now = Date.now();
    // Storage trouble past this point throws with the row still `pending`: claimable again after STALE_CLAIM_MS.
    if (!(await this.index.claimAsset(project.id, url, now, now - STALE_CLAIM_MS))) return;
    const got = await fetchAsset(url, project.allowedOrigins, this.limits);
    if (!got.ok) {
      await this.index.finishAsset(project.id, url, { status: 'failed', error: got.error.slice(0, 500) }, Date.now());
      return;
    }
    const hash = sha256Hex(got.bytes);
    // Same content under another URL (a cache-busting query, a CDN alias): stored once.
    if (!(await this.index.hasAssetHash(project.id, hash))) await this.store.assetBlobs.put({ projectId: project.id, hash }, got.bytes);
    // A stylesheet's fonts, images and imports become the session's before the sheet counts as
    // stored, so "nothing new or pending" means the whole tree is done.
    let inner: string[] = [];
    if (got.contentType === 'text/css' && depth < MAX_CSS_DEPTH) {
      const urls = cssAssetUrls(got.bytes.toString('utf8'), got.url).filter((u) => u.length <= MAX_ASSET_URL_LENGTH);
      if (urls.length > 0) inner = await this.index.referenceAssets(project.id, sessionId, urls.slice(0, MAX_URLS_PER_BATCH), Date.now());
    }
    await this.index.finishAsset(
      project.id,
      url,
      { status: 'stored', hash, contentType: got.contentType, bytes: got.bytes.length },
      Date.now(),
    );
    if (mode === 'capture') for (const u of inner) if (!this.closed) await this.fetchOne(project, sessionId, u, mode, depth + 1);
  }
}
