import { FORMAT_VERSION, LIMITS, type Batch, type ReplayEvent, type SessionDetail } from '@reprise/protocol';
import { parseBatch } from '@reprise/protocol/schema';
import { randomId } from '../ids.js';
import { extractIndexRows } from '../ingest/extract.js';
import { eventProblem } from '../ingest/limits.js';
import { sanitizeForStorage } from '../ingest/sanitize.js';
import type { Project, SessionFacts, Store } from '../store/types.js';

/** Reprise's own export: the session as the API shows it and every stored batch, unchanged. */
export interface RepriseExport {
  format: 'reprise-session';
  version: 1;
  session: SessionDetail;
  batches: { seq: number; receivedAt: number; events: ReplayEvent[] }[];
}

export type ExportFormat = 'reprise' | 'rrweb';

/** rrweb's `eventWithTime`, as rrweb's Replayer and rrweb-player take it. */
export interface RrwebEvent {
  type: number;
  timestamp: number;
  [key: string]: unknown;
}

export interface ImportResult {
  format: ExportFormat;
  sessionId: string;
  /** The id the file asked for, when it was taken and the session got `sessionId` instead. */
  takenId: string | null;
  projectId: string;
  batches: number;
  events: number;
}

/** rrweb imports are cut into batches of at most this many events or (roughly) bytes. */
const IMPORT_BATCH_EVENTS = 1000;
const IMPORT_BATCH_BYTES = 4 * 1024 * 1024;

/** A session in `format`, or null when there is no such session. */
export async function exportSession(store: Store, sessionId: string, format: 'reprise'): Promise<RepriseExport | null>;
export async function exportSession(store: Store, sessionId: string, format: 'rrweb'): Promise<RrwebEvent[] | null>;
export async function exportSession(store: Store, sessionId: string, format: ExportFormat): Promise<RepriseExport | RrwebEvent[] | null>;
export async function exportSession(store: Store, sessionId: string, format: ExportFormat): Promise<RepriseExport | RrwebEvent[] | null> {
  const session = await store.getSession(sessionId);
  if (!session) return null;
  if (format === 'rrweb') {
    // The `data` of `dom` events is rrweb's event unchanged; players want them by timestamp.
    const dom = (await store.readEvents(sessionId)).filter((e) => e.kind === 'dom' && serializable(e)).map((e) => e.data as RrwebEvent);
    return dom.sort((a, b) => a.timestamp - b.timestamp);
  }
  const batches = (await store.readBatches(sessionId)).map((b) => ({ ...b, events: b.events.filter(serializable) }));
  return { format: 'reprise-session', version: 1, session, batches };
}

/**
 * An event nested deeper than ingest accepts (stored before the bound existed) would make the
 * export's JSON.stringify throw: it is left out, so an export always completes.
 */
function serializable(e: ReplayEvent): boolean {
  return eventProblem(e, LIMITS.maxEventDepth, Infinity) !== 'depth';
}

/**
 * Imports a Reprise export (the session keeps its id unless that is taken) or a plain rrweb
 * events array (a new session of `dom` events). Batches go through `Store.appendBatch` with index
 * rows re-extracted, exactly like ingest, so search, counts and signals work on the import.
 * `projectId` picks the project; by default a Reprise export's own project if it exists, else the first.
 */
export async function importSession(store: Store, data: unknown, opts: { projectId?: string; now?: number } = {}): Promise<ImportResult> {
  const now = opts.now ?? Date.now();
  if (Array.isArray(data)) return importRrweb(store, data, await pickProject(store, opts.projectId, null), now);
  if (isRecord(data) && data.format === 'reprise-session') return importReprise(store, data, opts.projectId);
  throw new Error('not a Reprise export ({"format": "reprise-session", ...}) nor an rrweb events array');
}

async function importReprise(store: Store, data: Record<string, unknown>, projectId: string | undefined): Promise<ImportResult> {
  if (data.version !== 1) throw new Error(`unsupported reprise-session version ${String(data.version)} (this Reprise reads 1)`);
  const session = data.session;
  if (!isRecord(session) || typeof session.id !== 'string') throw new Error('session.id is missing');
  if (!Array.isArray(data.batches)) throw new Error('batches must be an array');
  const requested = session.id;
  const project = await pickProject(store, projectId, typeof session.projectId === 'string' ? session.projectId : null);
  const taken = (await store.getSession(requested)) !== null;
  const sessionId = taken ? randomId() : requested;

  // Validate everything before storing anything.
  const batches: Batch[] = [];
  const seen = new Set<number>();
  const sorted = [...(data.batches as unknown[])].sort((a, b) => seqOf(a) - seqOf(b));
  sorted.forEach((b, i) => {
    if (!isRecord(b)) throw new Error(`batches.${i}: not an object`);
    const firstUrl = i === 0 && typeof session.firstUrl === 'string' ? session.firstUrl : undefined;
    const parsed = parseBatch({
      v: FORMAT_VERSION,
      sessionId,
      seq: b.seq,
      events: b.events,
      meta: firstUrl ? { url: firstUrl } : undefined,
    });
    if (!parsed.ok) throw new Error(`batch seq ${String(b.seq)}: ${parsed.message}`);
    if (seen.has(parsed.batch.seq)) throw new Error(`batch seq ${parsed.batch.seq} appears twice`);
    if (typeof b.receivedAt !== 'number' || !Number.isFinite(b.receivedAt))
      throw new Error(`batch seq ${parsed.batch.seq}: receivedAt must be a number`);
    seen.add(parsed.batch.seq);
    batches.push(parsed.batch);
  });
  const receivedAt = new Map(sorted.map((b) => [seqOf(b), (b as { receivedAt: number }).receivedAt]));
  const facts: SessionFacts = {
    userAgent: strOrNull(session.userAgent),
    browser: strOrNull(session.browser),
    browserVersion: strOrNull(session.browserVersion),
    os: strOrNull(session.os),
    osVersion: strOrNull(session.osVersion),
    device: strOrNull(session.device),
    ip: strOrNull(session.ip),
  };
  let events = 0;
  for (const batch of batches) {
    await append(store, project.id, batch, facts, receivedAt.get(batch.seq)!);
    events += batch.events.length;
  }
  return { format: 'reprise', sessionId, takenId: taken ? requested : null, projectId: project.id, batches: batches.length, events };
}

async function importRrweb(store: Store, data: unknown[], project: Project, now: number): Promise<ImportResult> {
  const events: ReplayEvent[] = data.map((e, i) => {
    if (!isRecord(e) || typeof e.type !== 'number' || typeof e.timestamp !== 'number') {
      throw new Error(`event ${i}: not an rrweb event {type, timestamp, data}`);
    }
    return { t: e.timestamp, kind: 'dom', data: e };
  });
  if (events.length === 0) throw new Error('the rrweb events array is empty');
  events.sort((a, b) => a.t - b.t);
  // The page URL, from rrweb's Meta event (type 4), names the session's first page.
  const meta = events.find((e) => (e.data as RrwebEvent).type === 4)?.data as { data?: { href?: unknown } } | undefined;
  const href = typeof meta?.data?.href === 'string' ? meta.data.href : undefined;

  const sessionId = randomId();
  const facts: SessionFacts = { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null, ip: null };
  let seq = 0;
  let part: ReplayEvent[] = [];
  let bytes = 0;
  const flush = async () => {
    const parsed = parseBatch({ v: FORMAT_VERSION, sessionId, seq, events: part, meta: seq === 0 && href ? { url: href } : undefined });
    if (!parsed.ok) throw new Error(`rrweb events: ${parsed.message}`);
    await append(store, project.id, parsed.batch, facts, now);
    seq++;
    part = [];
    bytes = 0;
  };
  for (const e of events) {
    const size = JSON.stringify(e.data).length;
    if (part.length > 0 && (part.length >= IMPORT_BATCH_EVENTS || bytes + size > IMPORT_BATCH_BYTES)) await flush();
    part.push(e);
    bytes += size;
  }
  await flush();
  return { format: 'rrweb', sessionId, takenId: null, projectId: project.id, batches: seq, events: events.length };
}

async function append(store: Store, projectId: string, batch: Batch, facts: SessionFacts, receivedAt: number): Promise<void> {
  const index = extractIndexRows(batch.events, batch.meta);
  sanitizeForStorage(batch, index);
  const { duplicate } = await store.appendBatch({ projectId, batch, facts, index, receivedAt });
  if (duplicate) throw new Error(`batch seq ${batch.seq} of ${batch.sessionId} was already stored`);
}

async function pickProject(store: Store, wanted: string | undefined, fromFile: string | null): Promise<Project> {
  const projects = await store.listProjects();
  if (wanted !== undefined) {
    const p = projects.find((x) => x.id === wanted);
    if (!p) throw new Error(`no project ${wanted}`);
    return p;
  }
  const p = projects.find((x) => x.id === fromFile) ?? projects[0];
  if (!p) throw new Error('there is no project to import into');
  return p;
}

function seqOf(b: unknown): number {
  return isRecord(b) && typeof b.seq === 'number' ? b.seq : Number.NaN;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
