/**
 * Client for the Reprise REST API (same origin, cookie auth). Any 401 outside the auth
 * endpoints sends the user to the login page with `next` set to where they were.
 */
import type { CreatedLink, LinkInfo } from '@reprise/protocol';
import type { ErrorBody, ReplayEvent, SessionDetail, SessionList } from '@reprise/protocol';
import { currentPath, navigate } from './router';

export interface User {
  id: string;
  email: string;
}

/** A failed API call, carrying the server's `{error, message}` when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
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
  return new ApiError(res.status, body.error ?? 'http_error', body.message ?? `${res.status} ${res.statusText}`);
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

export function listSessions(cursor: string | null, signal?: AbortSignal): Promise<SessionList> {
  const q = new URLSearchParams({ limit: '50' });
  if (cursor) q.set('cursor', cursor);
  return json<SessionList>(`/api/v1/sessions?${q}`, signal);
}

export function getSession(id: string, signal?: AbortSignal): Promise<SessionDetail> {
  return json<SessionDetail>(`/api/v1/sessions/${encodeURIComponent(id)}`, signal);
}

/**
 * Streams the NDJSON event log and parses it line by line, so a large session is never
 * held twice (as one big string and as objects). `onProgress` gets the running count.
 */
export async function getSessionEvents(
  id: string,
  signal?: AbortSignal,
  onProgress?: (count: number) => void,
): Promise<ReplayEvent[]> {
  const res = await request(`/api/v1/sessions/${encodeURIComponent(id)}/events`, {
    signal,
    headers: { accept: 'application/x-ndjson' },
  });
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

/** Server-Sent Events URL of a live session: each `events` message is a JSON array of new events. */
export function liveUrl(id: string): string {
  return `/api/v1/sessions/${encodeURIComponent(id)}/live`;
}
