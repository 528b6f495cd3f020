import { copyAssetModes, copySessionAssets } from '../assets/transfer.js';
import { FORMAT_VERSION, type Batch, type SessionDetail } from '@reprise/protocol';
import { extractIndexRows } from '../ingest/extract.js';
import { sanitizeForStorage } from '../ingest/sanitize.js';
import type { MetadataDump, SessionFacts, Store } from '../store/types.js';

/**
 * `reprise migrate-store`: copies one store into another (SQLite + local files → PostgreSQL + S3).
 * Metadata (projects, users, tokens, login sessions, links, saved searches) goes over with its ids,
 * keys and secret hashes through dumpMetadata/restoreMetadata; every session goes batch by batch
 * through the target's appendBatch with the same ids, seqs and receivedAt, the original user agent
 * facts, IP and link, and index rows re-extracted by ingest/extract.ts (so search, counts and
 * signals are rebuilt by the normal ingest path).
 *
 * Re-running is safe and brings the target up to date: metadata rows are upserted by id, a session
 * already complete in the target (as many batches as in the source) is skipped, and a partly copied
 * one gets its missing batches ((session, seq) dedup makes the others no-ops).
 */
export interface MigrateStoreOptions {
  /** Sessions copied at once (default 4). */
  concurrency?: number;
  /** Progress and summary lines. */
  log?: (line: string) => void;
  /** At most one progress line per this many ms (default 2000). */
  progressEveryMs?: number;
}

export interface MigrateStoreResult {
  projects: number;
  users: number;
  apiTokens: number;
  loginSessions: number;
  links: number;
  savedSearches: number;
  /** Sessions in the source. */
  sessions: number;
  /** Sessions copied now (new in the target, or completed). */
  copiedSessions: number;
  /** Sessions already complete in the target. */
  skippedSessions: number;
  /** Batches stored by this run, and those the target already had (partly copied sessions). */
  batches: number;
  duplicateBatches: number;
  events: number;
  /** Sessions that could not be copied, with why; the rest went on. */
  failed: { sessionId: string; error: string }[];
  ms: number;
}

/** The target holds data that did not come from the source: migrating into it would mix two installations. */
export class TargetNotEmpty extends Error {}

export async function migrateStore(source: Store, target: Store, opts: MigrateStoreOptions = {}): Promise<MigrateStoreResult> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const meta = await source.dumpMetadata();
  assertCompatible(meta, await target.dumpMetadata());
  await target.restoreMetadata(meta);
  await copyAssetModes(
    source,
    target,
    meta.projects.map((p) => p.id),
  );
  log(
    `metadata: ${meta.projects.length} project(s), ${meta.users.length} user(s), ${meta.apiTokens.length} API token(s), ` +
      `${meta.loginSessions.length} login session(s), ${meta.links.length} link(s), ${meta.savedSearches.length} saved search(es)`,
  );

  const ids = await allSessionIds(source);
  const result: MigrateStoreResult = {
    projects: meta.projects.length,
    users: meta.users.length,
    apiTokens: meta.apiTokens.length,
    loginSessions: meta.loginSessions.length,
    links: meta.links.length,
    savedSearches: meta.savedSearches.length,
    sessions: ids.length,
    copiedSessions: 0,
    skippedSessions: 0,
    batches: 0,
    duplicateBatches: 0,
    events: 0,
    failed: [],
    ms: 0,
  };
  log(`sessions: ${ids.length} to check`);

  const every = opts.progressEveryMs ?? 2000;
  let lastProgress = Date.now();
  let done = 0;
  const progress = (force = false) => {
    if (!force && Date.now() - lastProgress < every) return;
    lastProgress = Date.now();
    const s = ((Date.now() - started) / 1000).toFixed(0);
    log(
      `sessions ${done}/${ids.length} (copied ${result.copiedSessions}, skipped ${result.skippedSessions}, failed ${result.failed.length}), ` +
        `${result.batches} batches, ${result.events} events, ${s} s`,
    );
  };

  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        await copySession(source, target, id, result);
      } catch (err) {
        result.failed.push({ sessionId: id, error: err instanceof Error ? err.message : String(err) });
      }
      done++;
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, 64)) }, worker));
  result.ms = Date.now() - started;
  progress(true);
  return result;
}

/** Every session id of the source, newest first (listSessions' keyset pages). */
async function allSessionIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listSessions({ limit: 500, cursor });
    for (const s of page.sessions) ids.push(s.id);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

async function copySession(source: Store, target: Store, id: string, result: MigrateStoreResult): Promise<void> {
  const src = await source.getSession(id);
  if (!src) return; // deleted since it was listed
  const existing = await target.getSession(id);
  if (existing) {
    if (existing.projectId !== src.projectId) throw new Error(`the target has session ${id} in another project (${existing.projectId})`);
    if (existing.batchCount >= src.batchCount) {
      await copySessionAssets(source, target, src.projectId, id);
      await target.importComments(await source.listComments(id));
      result.skippedSessions++;
      return;
    }
  }
  const batches = (await source.readBatches(id)).sort((a, b) => a.seq - b.seq);
  const facts = factsOf(src);
  for (const [i, b] of batches.entries()) {
    // Batches do not keep their `meta`: the lowest seq carries the first URL, which names the session's first page.
    const batch: Batch = {
      v: FORMAT_VERSION,
      sessionId: id,
      seq: b.seq,
      events: b.events,
      meta: i === 0 && src.firstUrl ? { url: src.firstUrl } : undefined,
    };
    const index = extractIndexRows(batch.events, batch.meta);
    sanitizeForStorage(batch, index);
    const { duplicate } = await target.appendBatch({
      projectId: src.projectId,
      batch,
      facts,
      index,
      receivedAt: b.receivedAt,
      linkId: src.linkId,
    });
    if (duplicate) {
      result.duplicateBatches++;
    } else {
      result.batches++;
      result.events += b.events.length;
    }
  }
  await copySessionAssets(source, target, src.projectId, id);
  // Comments come after the session's first batch has created it on the target.
  await target.importComments(await source.listComments(id));
  result.copiedSessions++;
}

function factsOf(s: SessionDetail): SessionFacts {
  return {
    userAgent: s.userAgent,
    browser: s.browser,
    browserVersion: s.browserVersion,
    os: s.os,
    osVersion: s.osVersion,
    device: s.device,
    ip: s.ip,
  };
}

/**
 * The target may be empty or hold an earlier run of this migration (same ids); a project, user,
 * token or link that is not the source's (e.g. the Default project and admin a server created on
 * first start) would make two installations one, so it refuses.
 */
function assertCompatible(source: MetadataDump, target: MetadataDump): void {
  const problems: string[] = [];
  const check = <T>(what: string, src: T[], tgt: T[], id: (x: T) => string, name: (x: T) => string) => {
    const ids = new Set(src.map(id));
    const foreign = tgt.filter((x) => !ids.has(id(x)));
    if (foreign.length > 0) problems.push(`${foreign.length} ${what} not from the source (${foreign.slice(0, 3).map(name).join(', ')})`);
  };
  check(
    'project(s)',
    source.projects,
    target.projects,
    (p) => p.id,
    (p) => `${p.name} ${p.id}`,
  );
  check(
    'user(s)',
    source.users,
    target.users,
    (u) => u.id,
    (u) => u.email,
  );
  check(
    'link(s)',
    source.links,
    target.links,
    (l) => l.id,
    (l) => l.id,
  );
  check(
    'API token(s)',
    source.apiTokens,
    target.apiTokens,
    (t) => t.id,
    (t) => t.name,
  );
  if (problems.length > 0) {
    throw new TargetNotEmpty(
      `the target already holds data of another installation: ${problems.join('; ')}. ` +
        'Migrate into a new, empty database and bucket prefix (do not start a server on it first: its first start creates a Default project and an admin).',
    );
  }
}
