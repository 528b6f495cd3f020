import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Caller } from '../auth/access.js';
import type { OtlpConfig } from '../config.js';
import { HttpError } from '../http/errors.js';
import { sha256 } from '../ids.js';
import { plausibleProjectKey } from '../ingest/limits.js';
import type { Project, Store } from '../store/types.js';
import { decodeOtlp, inflateOtlp, type OtlpEncoding } from './decode.js';
import { OTLP_LIMITS, type OtlpSignal } from './model.js';
import { OtlpStats, startPendingExpiry } from './pending.js';
import { OtlpRedactor } from './redact.js';
import { exportResponse } from './response.js';

declare module 'fastify' {
  interface FastifyRequest {
    otlpProject?: Project;
  }
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/**
 * The OTLP/HTTP receiver (docs/otlp.md): `POST /otlp/v1/traces` and `/otlp/v1/logs`, protobuf or
 * JSON, gzip or not. Authenticated by the project's ingest key (`X-Reprise-Key`) or a write API
 * token (`Authorization: Bearer`) for one project, checked before the body is read. Spans and
 * logs are redacted, then kept for the recorded requests whose trace id they carry
 * (Store.appendOtlp); the answer is OTLP's success message in the request's encoding.
 */
export async function otlpRoutes(app: FastifyInstance, opts: { store: Store; config: OtlpConfig; stats?: OtlpStats }): Promise<void> {
  const { store, config } = opts;
  const stats = opts.stats ?? new OtlpStats();
  const redactor = new OtlpRedactor({ extraKeys: config.redactKeys, sqlLiterals: config.sqlLiterals });
  const expiry = startPendingExpiry({ store, ttlMs: config.pendingSeconds * 1000, stats, log: app.log });
  app.addHook('onClose', async () => expiry.stop());

  app.removeAllContentTypeParsers();
  for (const type of [PROTOBUF, JSON_TYPE]) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: OTLP_LIMITS.maxBodyBytes }, (_req, body, done) => done(null, body));
  }
  app.addHook('onRequest', senderCheck(store));

  const handler = (signal: OtlpSignal) => async (req: FastifyRequest, reply: FastifyReply) => {
    const project = req.otlpProject!;
    const encoding: OtlpEncoding = String(req.headers['content-type']).toLowerCase().startsWith(PROTOBUF) ? 'protobuf' : 'json';
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const payload = decodeOtlp(signal, encoding, await inflateOtlp(body, req.headers['content-encoding']));
    const result = await store.appendOtlp({
      projectId: project.id,
      spans: payload.spans.map((s) => redactor.span(s)),
      logs: payload.logs.map((l) => redactor.log(l)),
      receivedAt: Date.now(),
      pendingMaxBytes: config.pendingMaxBytes,
    });
    stats.received += payload.spans.length + payload.logs.length;
    stats.stored += result.stored;
    stats.pending += result.pending;
    stats.rejected += payload.rejected;
    if (result.dropped > 0) {
      stats.droppedFull += result.dropped;
      req.log.warn({ dropped: result.dropped, project: project.id }, 'otlp: pending area full, spans and logs dropped');
    }
    const why = [
      payload.rejected > 0 ? `${payload.rejected} without a valid trace id or over the per-request cap` : '',
      result.dropped > 0 ? `${result.dropped} dropped: too many spans and logs waiting for their recorded request` : '',
    ]
      .filter(Boolean)
      .join('; ');
    reply.type(encoding === 'protobuf' ? PROTOBUF : JSON_TYPE);
    return reply.status(200).send(exportResponse(signal, encoding, payload.rejected + result.dropped, why));
  };

  app.post('/traces', handler('traces'));
  app.post('/logs', handler('logs'));
}

/**
 * The `onRequest` hook: the project from `X-Reprise-Key`, or from a write token (its one project, or
 * the project named by `X-Reprise-Project` among those it may write).
 */
function senderCheck(store: Store) {
  return async (req: FastifyRequest): Promise<void> => {
    const key = req.headers['x-reprise-key'];
    const auth = req.headers.authorization;
    if (typeof key === 'string' && key !== '') {
      const project = plausibleProjectKey(key) ? await store.getProjectByKey(key) : null;
      if (!project) throw new HttpError(401, 'unknown_project_key', 'no project has this key');
      req.otlpProject = project;
      return;
    }
    if (!auth?.startsWith('Bearer ')) {
      throw new HttpError(
        401,
        'missing_credentials',
        'send the project key as X-Reprise-Key, or a write API token as Authorization: Bearer',
      );
    }
    const found = await store.getApiTokenByHash(sha256(auth.slice(7).trim()), Date.now());
    if (!found) throw new HttpError(401, 'invalid_token', 'the API token is unknown, revoked or expired');
    const named = req.headers['x-reprise-project'];
    const projectId =
      typeof named === 'string' && named !== '' ? named : found.token.projectIds?.length === 1 ? found.token.projectIds[0] : null;
    if (!projectId) {
      throw new HttpError(400, 'project_required', 'this token may write several projects: name one in X-Reprise-Project');
    }
    const caller = await Caller.load(store, found.user, found.token);
    const project = (await store.listProjects()).find((p) => p.id === projectId);
    if (!project || !caller.can(project.id, 'read')) throw new HttpError(403, 'forbidden', `this token cannot write project ${projectId}`);
    if (!caller.can(project.id, 'write')) throw new HttpError(403, 'forbidden', 'a read-only token cannot send spans or logs');
    req.otlpProject = project;
  };
}
