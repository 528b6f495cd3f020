import type { FastifyInstance, FastifyReply, FastifyRequest, LogLevel } from 'fastify';
import { LIMITS, SESSION_DELETED, type IngestAck, type ReplayEvent } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import { sha256 } from '../ids.js';
import { linkRefusal } from '../links/service.js';
import type { LiveBus } from '../live/bus.js';
import {
  ChunkStoreUnavailable,
  LinkRefused,
  SessionDeleted,
  SessionFull,
  SessionProjectConflict,
  type Project,
  type Store,
} from '../store/types.js';
import { createBatchDecoder } from './decode-pool.js';
import { ingestDictionaries } from './dictionaries.js';
import { plausibleProjectKey } from './limits.js';
import { originAllowed } from './origins.js';
import { factsFromUserAgent } from './user-agent.js';
import { sessionKeyError, sessionKeyHash } from './session-key.js';
import { SessionKeyMismatch } from '../store/session-access.js';
import { storedIp, type IpMode } from '../privacy/ip.js';
import type { AssetCapture } from '../assets/capture.js';
import type { Notice } from '../webhooks/dispatcher.js';
import { groupWithMaps } from '../issues/group.js';
import { resolveContextFor } from '../sourcemaps/context.js';

declare module 'fastify' {
  interface FastifyRequest {
    ingestProject?: Project;
  }
}

/**
 * `POST /ingest/v1/batch?key=<projectKey>`: JSON batch, optionally gzip or deflate
 * (Content-Encoding; deflate's dictionary: dictionaries.ts). Answers only after the batch is durable. Registered
 * under its own encapsulation so its raw-body JSON parser does not leak into the API.
 */
export async function ingestRoutes(
  app: FastifyInstance,
  opts: {
    store: Store;
    bus?: LiveBus;
    ipMode?: IpMode;
    maxSessionBytes?: number;
    assets?: AssetCapture;
    webhooks?: { notice(n: Notice): void };
  },
): Promise<void> {
  const { store, bus } = opts;
  const ipMode = opts.ipMode ?? 'anonymize';

  // Inflate, parse and validate off the main thread when the machine has a core for it.
  const decoder = createBatchDecoder();
  app.addHook('onClose', async () => decoder.close());

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: LIMITS.maxCompressedBatchBytes }, (_req, body, done) =>
    done(null, body),
  );

  // Key and origin are checked before the body is read, so refused senders cost nothing.
  app.addHook('onRequest', senderCheck(store));

  // Every tab sends a batch every few seconds: at the default level (info) Fastify's two lines per
  // request would be most of the log and a measurable share of ingest's CPU. They show at debug;
  // errors are logged as everywhere else.
  const logLevel: LogLevel | undefined = app.log.level === 'info' ? 'warn' : undefined;

  app.options('/batch', { logLevel }, async (_req, reply) => reply.status(204).send());

  app.post('/batch', { logLevel }, async (req: FastifyRequest, reply: FastifyReply) => {
    const project = req.ingestProject;
    if (!project) throw new HttpError(401, 'missing_project_key', 'no project');
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new HttpError(400, 'empty_body', 'a batch body is required');
    const keyHash = sessionKeyHash(req.headers);
    // A magic-link token (`?link=`) is checked before anything is decoded or stored.
    const linkId = await checkedLinkId(store, project, (req.query as Record<string, string | undefined>).link);
    const { batch, index, chunk } = await decoder.decode(
      req.body,
      req.headers['content-encoding'],
      ingestDictionaries(store, project.id, req.query),
    );
    await groupWithMaps(index, project.id, resolveContextFor(store));
    try {
      const { duplicate } = await store.appendBatch({
        projectId: project.id,
        batch,
        // req.ip is the socket address, or X-Forwarded-For's client with REPRISE_TRUST_PROXY.
        facts: { ...factsFromUserAgent(req.headers['user-agent']), ip: storedIp(req.ip, ipMode) },
        index,
        receivedAt: Date.now(),
        linkId,
        sessionKeyHash: keyHash,
        chunk,
        maxSessionBytes: opts.maxSessionBytes,
        honorDeletion: true,
      });
      // The events are read (parsed on this thread, see decode-pool.ts) only if the session has a live viewer.
      if (!duplicate)
        bus?.publish({
          sessionId: batch.sessionId,
          seq: batch.seq,
          get events() {
            return batch.events;
          },
        });
      // Stylesheets, images and fonts the batch loads are captured in the background (assets/capture.ts).
      if (!duplicate) opts.assets?.enqueue(project, batch.sessionId, index.assetUrls);
      // Webhooks only get a notice queued in memory here: ingest never waits for them.
      if (!duplicate && opts.webhooks) noticeWebhooks(opts.webhooks, project.id, batch, index.counts.feedback, linkId);
      const ack: IngestAck = { ok: true, sessionId: batch.sessionId, seq: batch.seq, duplicate };
      return reply.status(200).send(ack);
    } catch (err) {
      throw storeRefusal(err);
    }
  });
}

function noticeWebhooks(
  webhooks: { notice(n: Notice): void },
  projectId: string,
  batch: { sessionId: string; seq: number; readonly events: ReplayEvent[] },
  feedback: number,
  linkId: string | null,
): void {
  const { sessionId, seq } = batch;
  if (linkId) webhooks.notice({ event: 'link_session', projectId, sessionId, linkId });
  if (feedback > 0) webhooks.notice({ event: 'feedback', projectId, sessionId, seq, message: () => feedbackMessage(batch.events) });
}

function feedbackMessage(events: ReplayEvent[]): string {
  for (const e of events) {
    const d = e.data as { type?: unknown; message?: unknown } | null;
    if (e.kind === 'custom' && d?.type === 'feedback' && typeof d.message === 'string') return d.message.slice(0, 2000);
  }
  return '';
}

/** The `onRequest` hook that finds the project by its key and checks the sender's origin. */
function senderCheck(store: Store) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = (req.query as Record<string, string | undefined>).key ?? req.headers['x-reprise-key'];
    if (typeof key !== 'string' || key === '') {
      throw new HttpError(401, 'missing_project_key', 'pass the project key as ?key= or the X-Reprise-Key header');
    }
    const project = plausibleProjectKey(key) ? await store.getProjectByKey(key) : null;
    if (!project) throw new HttpError(401, 'unknown_project_key', 'no project has this key');
    const origin = req.headers.origin;
    if (!originAllowed(project.allowedOrigins, origin)) {
      throw new HttpError(403, 'origin_not_allowed', `origin ${origin} may not send to this project`);
    }
    if (origin) setCors(reply, origin);
    req.ingestProject = project;
  };
}

/** The id of the recording link `token` names (null without one); a link that may not record is a 403. */
async function checkedLinkId(store: Store, project: Project, token: string | undefined): Promise<string | null> {
  if (token === undefined) return null;
  const link = typeof token === 'string' && token !== '' ? await store.getLinkByTokenHash(sha256(token)) : null;
  const refusal = link && link.projectId !== project.id ? 'link_invalid' : linkRefusal(link, Date.now(), { newSession: false });
  if (refusal) throw linkError(refusal);
  return link!.id;
}

/** The HTTP answer for a batch the store refused; anything else is passed on as it is. */
function storeRefusal(err: unknown): unknown {
  if (err instanceof SessionProjectConflict) return new HttpError(409, 'session_conflict', err.message);
  if (err instanceof SessionFull) return new HttpError(413, 'session_full', err.message);
  if (err instanceof SessionDeleted) return new HttpError(410, SESSION_DELETED, err.message);
  if (err instanceof LinkRefused) return linkError(err.code);
  if (err instanceof SessionKeyMismatch) return sessionKeyError(err);
  if (err instanceof ChunkStoreUnavailable) return new HttpError(503, 'store_unavailable', 'the batch could not be stored; send it again');
  return err;
}

const LINK_MESSAGES: Record<LinkRefused['code'], string> = {
  link_invalid: 'the recording link is not valid',
  link_expired: 'the recording link has expired',
  link_revoked: 'the recording link was revoked',
  link_used_up: 'the recording link has no sessions left',
};

function linkError(code: LinkRefused['code']): HttpError {
  return new HttpError(403, code, LINK_MESSAGES[code]);
}

function setCors(reply: FastifyReply, origin: string): void {
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Vary', 'Origin');
  reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
  reply.header('Access-Control-Allow-Headers', 'Content-Type, Content-Encoding, X-Reprise-Key, X-Reprise-Session-Key');
  // The recorder honours Retry-After on 408/425/429/5xx.
  reply.header('Access-Control-Expose-Headers', 'Retry-After');
  reply.header('Access-Control-Max-Age', '86400');
}
