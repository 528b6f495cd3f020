/**
 * Client for the Reprise REST API (same origin, cookie auth). Any 401 outside the auth
 * endpoints sends the user to the login page with `next` set to where they were.
 */
import type { CreatedLink, LinkInfo } from '@reprise/protocol';
import type { ErrorBody, ReplayEvent, SessionDetail, SessionList, SessionTimeline } from '@reprise/protocol';
import type { ClickProblem, ErrorGroup, FailingEndpoint, ProblemList, SavedSearch } from '@reprise/protocol';
import type { ResolvedFrame, StepList } from '@reprise/protocol';
import type { CommentElement, SessionComment, SketchShape } from '@reprise/protocol';
import type { Issue, IssueList, IssueSessionList, IssueStatus } from '@reprise/protocol';
import type { SessionSort } from '@reprise/protocol/query';
import { ASSET_MODES, DEFAULT_ASSET_MODE, type AssetMode } from '@reprise/protocol';
import { currentPath, navigate } from './router';

export interface User {
  id: string;
  email: string;
}

/** A failed API call, carrying the server's `{error, message}` (and any other fields, e.g. a query error's `position`) when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Thrown after a 401 redirected to /login; callers should simply stop. */
export class RedirectedToLogin extends Error {
  constructor() {
    super('not logged in');
    this.name = 'RedirectedToLogin';
  }
}

export function isAbort(err: unknown): boolean {
  return err instanceof RedirectedToLogin || (err instanceof DOMException && err.name === 'AbortError');
}

function redirectToLogin(): never {
  if (window.location.pathname !== '/login') {
    navigate(`/login?next=${encodeURIComponent(currentPath())}`, { replace: true });
  }
  throw new RedirectedToLogin();
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    body = (await res.json()) as Partial<ErrorBody>;
  } catch {
    // Not JSON (e.g. a proxy error page): fall back to the status line.
  }
  return new ApiError(res.status, body.error ?? 'http_error', body.message ?? `${res.status} ${res.statusText}`, body);
}

async function request(path: string, init: RequestInit & { authRedirect?: boolean } = {}): Promise<Response> {
  const { authRedirect = true, ...rest } = init;
  const res = await fetch(path, { credentials: 'same-origin', ...rest });
  if (res.status === 401 && authRedirect) redirectToLogin();
  if (!res.ok) throw await errorFrom(res);
  return res;
}

async function json<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await request(path, { signal, headers: { accept: 'application/json' } });
  return (await res.json()) as T;
}

export async function login(email: string, password: string): Promise<User> {
  const res = await request('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email, password }),
    authRedirect: false,
  });
  return ((await res.json()) as { user: User }).user;
}

export async function logout(): Promise<void> {
  await request('/api/v1/auth/logout', { method: 'POST', authRedirect: false });
}

export async function me(signal?: AbortSignal): Promise<User> {
  return (await json<{ user: User }>('/api/v1/auth/me', signal)).user;
}

export { SESSION_SORTS, type SessionSort } from '@reprise/protocol/query';

export interface SessionQuery {
  /** A query in the search language (docs/search.md); empty lists everything. */
  q?: string;
  sort?: SessionSort;
  cursor?: string | null;
  limit?: number;
}

/** One page of sessions. A bad `q` fails with ApiError `invalid_query` carrying `position` and `length`. */
export function listSessions(opts: SessionQuery = {}, signal?: AbortSignal): Promise<SessionList> {
  const q = new URLSearchParams({ limit: String(opts.limit ?? 50) });
  if (opts.q?.trim()) q.set('q', opts.q);
  if (opts.sort && opts.sort !== 'newest') q.set('sort', opts.sort);
  if (opts.cursor) q.set('cursor', opts.cursor);
  return json<SessionList>(`/api/v1/sessions?${q}`, signal);
}

export function getSession(id: string, signal?: AbortSignal): Promise<SessionDetail> {
  return json<SessionDetail>(`/api/v1/sessions/${encodeURIComponent(id)}`, signal);
}

/** The backend traces of the session's requests, as sent (read through devtools/traces.ts). */
export function getSessionTraces(id: string, signal?: AbortSignal): Promise<unknown> {
  return json<unknown>(`/api/v1/sessions/${encodeURIComponent(id)}/traces`, signal);
}

/** The replay index: full snapshots and batch ranges, to plan range loading. */
export function getSessionTimeline(id: string, signal?: AbortSignal): Promise<SessionTimeline> {
  return json<SessionTimeline>(`/api/v1/sessions/${encodeURIComponent(id)}/timeline`, signal);
}

/** Epoch ms, both ends inclusive; an infinite or missing end is open. */
export interface EventRange {
  from?: number;
  to?: number;
}

/**
 * Streams the NDJSON event log (all of it, or the events of `range`) and parses it line by line,
 * so a large session is never held twice (as one big string and as objects). `onProgress` gets
 * the running count; `pace` is awaited before each read of the body (the viewer holds a
 * background read there while a seek waits for its own).
 */
export async function getSessionEvents(
  id: string,
  signal?: AbortSignal,
  onProgress?: (count: number) => void,
  range: EventRange = {},
  pace?: () => Promise<void>,
): Promise<ReplayEvent[]> {
  const res = await request(`/api/v1/sessions/${encodeURIComponent(id)}/events${rangeQuery(range)}`, {
    signal,
    headers: { accept: 'application/x-ndjson' },
  });
  return readNdjson(res, onProgress, pace);
}

/** Parses an NDJSON event stream as it arrives. */
async function readNdjson(res: Response, onProgress?: (count: number) => void, pace?: () => Promise<void>): Promise<ReplayEvent[]> {
  const events: ReplayEvent[] = [];
  const pushLine = (line: string): void => {
    if (line.trim() === '') return;
    events.push(JSON.parse(line) as ReplayEvent);
  };
  if (!res.body) {
    (await res.text()).split('\n').forEach(pushLine);
    return events;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    await pace?.();
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    lines.forEach(pushLine);
    onProgress?.(events.length);
  }
  pushLine(buffer);
  return events;
}

function rangeQuery(range: EventRange): string {
  const q = new URLSearchParams();
  if (range.from !== undefined && Number.isFinite(range.from)) q.set('from', String(range.from));
  if (range.to !== undefined && Number.isFinite(range.to)) q.set('to', String(range.to));
  return q.toString() ? `?${q}` : '';
}

/** What a share link opens (`/s/:token/session`): no login; a refused token is an ApiError (`share_*`). */
export interface SharedSession {
  sessionId: string;
  view: 'full' | 'strict';
  from: number | null;
  to: number | null;
  expiresAt: number;
  firstUrl: string | null;
  startedAt: number;
  durationMs: number;
  browser: string | null;
  os: string | null;
  device: string | null;
}

const shareBase = (token: string) => `/s/${encodeURIComponent(token)}`;

export async function getSharedSession(token: string, signal?: AbortSignal): Promise<SharedSession> {
  const res = await request(`${shareBase(token)}/session`, { signal, authRedirect: false, headers: { accept: 'application/json' } });
  return (await res.json()) as SharedSession;
}

export async function getSharedTimeline(token: string, signal?: AbortSignal): Promise<SessionTimeline> {
  const res = await request(`${shareBase(token)}/timeline`, { signal, authRedirect: false, headers: { accept: 'application/json' } });
  return (await res.json()) as SessionTimeline;
}

export async function getSharedEvents(
  token: string,
  signal: AbortSignal,
  range: EventRange = {},
  pace?: () => Promise<void>,
): Promise<ReplayEvent[]> {
  const res = await request(`${shareBase(token)}/events${rangeQuery(range)}`, {
    signal,
    authRedirect: false,
    headers: { accept: 'application/x-ndjson' },
  });
  return readNdjson(res, undefined, pace);
}

/** A session's share link as listed (never its token). */
export interface ShareInfo {
  id: string;
  sessionId: string;
  view: 'full' | 'strict';
  from: number | null;
  to: number | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastOpenedAt: number | null;
  openCount: number;
  status: 'active' | 'expired' | 'revoked';
  /** The latest opens, newest first. */
  opens: number[];
}

export async function listShares(sessionId: string, signal?: AbortSignal): Promise<ShareInfo[]> {
  return (await json<{ shares: ShareInfo[] }>(`/api/v1/sessions/${encodeURIComponent(sessionId)}/shares`, signal)).shares;
}

/** Creates a share link; the answer's `url` holds its token, shown only this once. */
export async function createShare(
  sessionId: string,
  input: { view: 'full' | 'strict'; expiresInSeconds: number; from?: number; to?: number },
): Promise<ShareInfo & { url: string }> {
  const res = await request(`/api/v1/sessions/${encodeURIComponent(sessionId)}/shares`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as ShareInfo & { url: string };
}

export async function revokeShare(id: string): Promise<void> {
  await request(`/api/v1/shares/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export type WebhookEvent = 'feedback' | 'link_session' | 'alert';

export interface WebhookInfo {
  id: string;
  projectId: string;
  url: string;
  format: 'json' | 'slack';
  events: WebhookEvent[];
  createdAt: number;
}

export interface DeliveryInfo {
  id: string;
  sessionId: string | null;
  event: WebhookEvent;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface AlertInfo {
  savedSearchId: string;
  projectId: string;
  minIntervalMs: number;
  lastFiredAt: number | null;
}

export async function listWebhooks(signal?: AbortSignal): Promise<WebhookInfo[]> {
  return (await json<{ webhooks: WebhookInfo[] }>('/api/v1/webhooks', signal)).webhooks;
}

/** Creates a webhook; the answer's `secret` (to verify signatures) is shown only this once. */
export async function createWebhook(input: {
  projectId: string;
  url: string;
  format: 'json' | 'slack';
  events: WebhookEvent[];
}): Promise<WebhookInfo & { secret: string }> {
  const res = await request('/api/v1/webhooks', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as WebhookInfo & { secret: string };
}

export async function deleteWebhook(id: string): Promise<void> {
  await request(`/api/v1/webhooks/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export async function listDeliveries(id: string, signal?: AbortSignal): Promise<DeliveryInfo[]> {
  return (await json<{ deliveries: DeliveryInfo[] }>(`/api/v1/webhooks/${encodeURIComponent(id)}/deliveries`, signal)).deliveries;
}

export async function listAlerts(signal?: AbortSignal): Promise<AlertInfo[]> {
  return (await json<{ alerts: AlertInfo[] }>('/api/v1/alerts', signal)).alerts;
}

export async function setAlert(savedSearchId: string, minIntervalSeconds: number): Promise<void> {
  await request(`/api/v1/saved-searches/${encodeURIComponent(savedSearchId)}/alert`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ minIntervalSeconds }),
  });
}

export async function deleteAlert(savedSearchId: string): Promise<void> {
  await request(`/api/v1/saved-searches/${encodeURIComponent(savedSearchId)}/alert`, { method: 'DELETE' });
}

export type { CreatedLink, LinkInfo, LinkStatus } from '@reprise/protocol';

export async function listLinks(signal?: AbortSignal): Promise<LinkInfo[]> {
  return (await json<{ links: LinkInfo[] }>('/api/v1/links', signal)).links;
}

export async function createLink(input: {
  targetUrl: string;
  label: string;
  expiresInSeconds: number;
  maxSessions?: number;
}): Promise<CreatedLink> {
  const res = await request('/api/v1/links', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as CreatedLink;
}

export async function revokeLink(id: string): Promise<void> {
  await request(`/api/v1/links/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export type { Step, StepList } from '@reprise/protocol';

/** Reproduction steps (server digest/steps.ts), with `markdown` for a ticket. */
export function getSessionSteps(id: string, signal?: AbortSignal): Promise<StepList & { markdown: string }> {
  return json(`/api/v1/sessions/${encodeURIComponent(id)}/steps`, signal);
}

/** Whether the server has a model configured for "Rewrite". */
export function rewriteStatus(signal?: AbortSignal): Promise<{ enabled: boolean; model: string | null }> {
  return json('/api/v1/digest/rewrite', signal);
}

/** The session digest rewritten into prose by the configured model; `sent` is exactly what went out. */
export async function rewriteDigest(id: string): Promise<{ prose: string; sent: string; model: string }> {
  const res = await request(`/api/v1/sessions/${encodeURIComponent(id)}/digest/rewrite`, {
    method: 'POST',
    headers: { accept: 'application/json' },
  });
  return (await res.json()) as { prose: string; sent: string; model: string };
}

/** Server-Sent Events URL of a live session: each `events` message is a JSON array of new events. */
export function liveUrl(id: string): string {
  return `/api/v1/sessions/${encodeURIComponent(id)}/live`;
}

export interface ProjectInfo {
  id: string;
  name: string;
}

export async function listProjects(signal?: AbortSignal): Promise<ProjectInfo[]> {
  return (await json<{ projects: ProjectInfo[] }>('/api/v1/projects', signal)).projects;
}

export type { SavedSearch } from '@reprise/protocol';

/** A project's saved searches (the first project's without `projectId`). */
export async function listSavedSearches(projectId: string | null, signal?: AbortSignal): Promise<SavedSearch[]> {
  const q = projectId ? `?projectId=${encodeURIComponent(projectId)}` : '';
  return (await json<{ searches: SavedSearch[] }>(`/api/v1/saved-searches${q}`, signal)).searches;
}

export async function createSavedSearch(input: { name: string; query: string; projectId?: string }): Promise<SavedSearch> {
  const res = await request('/api/v1/saved-searches', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as SavedSearch;
}

export async function deleteSavedSearch(id: string): Promise<void> {
  await request(`/api/v1/saved-searches/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export type { ClickProblem, ErrorGroup, FailingEndpoint, ProblemList } from '@reprise/protocol';

/** Top problems since `since` (epoch ms; the server defaults to 7 days). */
export function problemEndpoints(since: number, signal?: AbortSignal): Promise<ProblemList<FailingEndpoint>> {
  return json<ProblemList<FailingEndpoint>>(`/api/v1/problems/endpoints?since=${since}`, signal);
}

export function problemErrors(since: number, signal?: AbortSignal): Promise<ProblemList<ErrorGroup>> {
  return json<ProblemList<ErrorGroup>>(`/api/v1/problems/errors?since=${since}`, signal);
}

export function problemClicks(type: 'rage' | 'dead', since: number, signal?: AbortSignal): Promise<ProblemList<ClickProblem>> {
  return json<ProblemList<ClickProblem>>(`/api/v1/problems/clicks?type=${type}&since=${since}`, signal);
}

/** An API token as listed (never its secret). */
export interface TokenInfo {
  id: string;
  name: string;
  scope: 'read' | 'write';
  /** null: every project its owner may access. */
  projectIds: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  status: 'active' | 'expired' | 'revoked';
}

export async function listTokens(signal?: AbortSignal): Promise<TokenInfo[]> {
  return (await json<{ tokens: TokenInfo[] }>('/api/v1/tokens', signal)).tokens;
}

/** Creates a token; the answer's `token` is its secret, shown only this once. */
export async function createToken(input: {
  name: string;
  scope: 'read' | 'write';
  projectIds: string[] | null;
  expiresInSeconds: number | null;
}): Promise<TokenInfo & { token: string }> {
  const res = await request('/api/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as TokenInfo & { token: string };
}

export async function revokeToken(id: string): Promise<void> {
  await request(`/api/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** How replays of the session load its assets (player/assets.ts). */
export async function getSessionAssetMode(id: string, signal?: AbortSignal): Promise<AssetMode> {
  const body = (await (await request(`/api/v1/sessions/${encodeURIComponent(id)}/assets`, { signal })).json()) as { mode?: unknown };
  return (ASSET_MODES as readonly unknown[]).includes(body.mode) ? (body.mode as AssetMode) : DEFAULT_ASSET_MODE;
}

export type { CommentElement, SessionComment, SketchShape } from '@reprise/protocol';

/** What a new comment holds (docs/comments.md). */
export interface CommentDraft {
  offsetMs: number;
  text: string;
  shapes: SketchShape[];
  element: CommentElement | null;
}

const commentsPath = (sessionId: string) => `/api/v1/sessions/${encodeURIComponent(sessionId)}/comments`;

async function sendJson<T>(method: string, path: string, body: unknown): Promise<T> {
  const res = await request(path, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as T;
}

export async function listComments(sessionId: string, signal?: AbortSignal): Promise<SessionComment[]> {
  return (await json<{ comments: SessionComment[] }>(commentsPath(sessionId), signal)).comments;
}

export function createComment(sessionId: string, draft: CommentDraft): Promise<SessionComment> {
  return sendJson('POST', commentsPath(sessionId), draft);
}

export function updateComment(sessionId: string, id: string, patch: Partial<CommentDraft>): Promise<SessionComment> {
  return sendJson('PATCH', `${commentsPath(sessionId)}/${encodeURIComponent(id)}`, patch);
}

export async function deleteComment(sessionId: string, id: string): Promise<void> {
  await request(`${commentsPath(sessionId)}/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Recorded stacks resolved through the session's release's source maps, one frame list per stack. */
export async function resolveStacks(id: string, stacks: string[]): Promise<ResolvedFrame[][]> {
  const res = await request(`/api/v1/sessions/${encodeURIComponent(id)}/stacks/resolve`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ stacks }),
  });
  return ((await res.json()) as { stacks: ResolvedFrame[][] }).stacks;
}

export type { Issue, IssueList, IssueSession, IssueSessionList, IssueStatus } from '@reprise/protocol';

/** Issues, most recently seen first (docs/issues.md); `status` filters. */
export async function listIssues(status: IssueStatus | null, signal?: AbortSignal): Promise<Issue[]> {
  return (await json<IssueList>(`/api/v1/issues${status ? `?status=${status}` : ''}`, signal)).issues;
}

/** An issue and its sessions, the newest occurrence first. */
export function issueSessions(id: string, signal?: AbortSignal): Promise<IssueSessionList> {
  return json<IssueSessionList>(`/api/v1/issues/${encodeURIComponent(id)}/sessions`, signal);
}

export async function setIssueStatus(id: string, status: IssueStatus): Promise<Issue> {
  const res = await request(`/api/v1/issues/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ status }),
  });
  return (await res.json()) as Issue;
}
