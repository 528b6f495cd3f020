import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionList } from '@reprise/protocol';
import { hashPassword } from '../src/auth/passwords.js';
import type { Project } from '../src/store/types.js';
import { CHROME_UA, domEvent, gz, makeBatch, startTestServer, type TestServer } from './helpers.js';
import { runCli } from '../../../test-support/cli.js';

interface TokenInfo {
  id: string;
  name: string;
  scope: string;
  projectIds: string[] | null;
  expiresAt: number | null;
  revokedAt: number | null;
  status: string;
}

let s: TestServer;
let own: Project;
let other: Project;
let n = 0;
beforeEach(async () => {
  s = await startTestServer();
  [own] = await s.store.listProjects();
  other = await s.store.createProject({ name: 'Other', allowedOrigins: ['*'] });
});
afterEach(async () => s.close());

const PASSWORD = 'a long enough password';

async function cookieOf(email: string, role: 'member' | 'viewer', projects: Project[]): Promise<string> {
  const u = (await s.store.createUser({ email, passwordHash: await hashPassword(PASSWORD), role: 'member' }))!;
  for (const p of projects) await s.store.setMembership({ projectId: p.id, userId: u.id, role });
  const res = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
  return String(res.headers['set-cookie']).split(';')[0]!;
}

async function createToken(cookie: string, body: Record<string, unknown>) {
  return s.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie }, payload: body });
}

async function session(p: Project): Promise<string> {
  const id = `sess_tokens_${++n}`;
  const res = await s.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${p.key}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    payload: gz(makeBatch(id, 0, [domEvent(Date.now())])),
  });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API tokens', () => {
  it('are named, scoped, listed without their secret (stored only hashed), and revoked', async () => {
    const res = await createToken(s.cookie, { name: 'nightly export', scope: 'read', projectIds: [own.id], expiresInSeconds: 86_400 });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json() as TokenInfo & { token: string };
    expect(created).toMatchObject({ name: 'nightly export', scope: 'read', projectIds: [own.id], status: 'active', revokedAt: null });
    expect(created.expiresAt).toBeGreaterThan(Date.now() + 86_000_000);
    expect(created.token).toMatch(/^rpt_/);

    const list = await s.app.inject({ url: '/api/v1/tokens', headers: { cookie: s.cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(created.token);
    expect((list.json() as { tokens: TokenInfo[] }).tokens).toEqual([
      expect.objectContaining({ id: created.id, name: 'nightly export', status: 'active' }),
    ]);
    const rows = await s.query<Record<string, unknown>>('SELECT * FROM api_tokens');
    expect(JSON.stringify(rows)).not.toContain(created.token);

    expect((await s.app.inject({ url: '/api/v1/sessions', headers: bearer(created.token) })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${created.id}`, headers: { cookie: s.cookie } })).statusCode).toBe(
      204,
    );
    expect((await s.app.inject({ url: '/api/v1/sessions', headers: bearer(created.token) })).statusCode).toBe(401);
    const after = (await s.app.inject({ url: '/api/v1/tokens', headers: { cookie: s.cookie } })).json() as { tokens: TokenInfo[] };
    expect(after.tokens[0]).toMatchObject({ id: created.id, status: 'revoked' });
  });

  it('stop working once expired', async () => {
    const { token, id } = (await createToken(s.cookie, { name: 'short', expiresInSeconds: 60 })).json() as { token: string; id: string };
    expect((await s.app.inject({ url: '/api/v1/projects', headers: bearer(token) })).statusCode).toBe(200);
    await s.exec('UPDATE api_tokens SET expires_at = ? WHERE id = ?', Date.now() - 1, id);
    expect((await s.app.inject({ url: '/api/v1/projects', headers: bearer(token) })).statusCode).toBe(401);
    const listed = (await s.app.inject({ url: '/api/v1/tokens', headers: { cookie: s.cookie } })).json() as { tokens: TokenInfo[] };
    expect(listed.tokens.find((t) => t.id === id)).toMatchObject({ status: 'expired' });
  });

  it('refuse bad requests with a 400 that says why', async () => {
    for (const [body, message] of [
      [{ scope: 'admin' }, /scope must be read or write/],
      [{ projectIds: [] }, /projectIds must be a non-empty array/],
      [{ projectIds: ['prj_nope'] }, /no project prj_nope/],
      [{ expiresInSeconds: 0 }, /expiresInSeconds must be an integer/],
      [{ name: 42 }, /name must be a string/],
    ] as const) {
      const res = await createToken(s.cookie, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(message) });
    }
  });

  it('a read token reads but never writes, and cannot mint a write token', async () => {
    const sid = await session(own);
    const { token } = (await createToken(s.cookie, { name: 'ro', scope: 'read' })).json() as { token: string };
    expect((await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: bearer(token) })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${sid}`, headers: bearer(token) })).statusCode).toBe(403);
    expect(
      (await s.app.inject({ method: 'POST', url: '/api/v1/projects', headers: bearer(token), payload: { name: 'x' } })).statusCode,
    ).toBe(403);
    expect(
      (await s.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(token), payload: { scope: 'write' } })).statusCode,
    ).toBe(403);
    expect(await s.store.getSession(sid)).not.toBeNull();
  });

  it('a project-scoped token sees only its projects, even for an admin', async () => {
    const mine = await session(own);
    const theirs = await session(other);
    const { token } = (await createToken(s.cookie, { name: 'one project', projectIds: [own.id] })).json() as { token: string };
    const list = (await s.app.inject({ url: '/api/v1/sessions', headers: bearer(token) })).json() as SessionList;
    expect(list.sessions.map((x) => x.id)).toEqual([mine]);
    expect((await s.app.inject({ url: `/api/v1/sessions/${theirs}`, headers: bearer(token) })).statusCode).toBe(404);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${mine}`, headers: bearer(token) })).statusCode).toBe(204);
    // Admin actions need a token on every project.
    expect((await s.app.inject({ url: '/api/v1/users', headers: bearer(token) })).statusCode).toBe(403);
    // Nor can it mint a token wider than itself.
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(token), payload: {} })).statusCode).toBe(403);
    expect(
      (await s.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(token), payload: { projectIds: [other.id] } }))
        .statusCode,
    ).toBe(403);
  });

  it('never grant more than their owner, now or later', async () => {
    const viewer = await cookieOf('viewer@test.local', 'viewer', [own]);
    const sid = await session(own);
    // A viewer's write token still only reads.
    const { token } = (await createToken(viewer, { name: 'w', scope: 'write' })).json() as { token: string };
    expect((await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: bearer(token) })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${sid}`, headers: bearer(token) })).statusCode).toBe(403);
    // Nor can it name a project its owner is not in.
    expect((await createToken(viewer, { projectIds: [other.id], scope: 'read' })).statusCode).toBe(403);

    const member = await cookieOf('member@test.local', 'member', [own]);
    const m = (await createToken(member, { name: 'm' })).json() as { token: string };
    expect((await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: bearer(m.token) })).statusCode).toBe(200);
    // Removed from the project, the owner's token loses it too.
    const memberId = (await s.store.getUserByEmail('member@test.local'))!.id;
    await s.store.removeMembership(own.id, memberId);
    expect((await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: bearer(m.token) })).statusCode).toBe(404);
  });

  it('are only the owner’s to list and revoke', async () => {
    const member = await cookieOf('member@test.local', 'member', [own]);
    const admins = (await createToken(s.cookie, { name: 'admin token' })).json() as { id: string; token: string };
    const listed = (await s.app.inject({ url: '/api/v1/tokens', headers: { cookie: member } })).json() as { tokens: TokenInfo[] };
    expect(listed.tokens).toEqual([]);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${admins.id}`, headers: { cookie: member } })).statusCode).toBe(
      404,
    );
    expect((await s.app.inject({ url: '/api/v1/projects', headers: bearer(admins.token) })).statusCode).toBe(200);
  });
});

describe('reprise token (CLI, a real child process)', () => {
  const cli = (...args: string[]) => runCli(['token', ...args], { ...process.env, ...s.env });

  it('creates a scoped, expiring token, lists it and revokes it', async () => {
    const sid = await session(own);
    const theirs = await session(other);
    const created = await cli(
      'create',
      '--email',
      'admin@test.local',
      '--name',
      'ci export',
      '--scope',
      'read',
      '--projects',
      own.id,
      '--expires',
      '7d',
    );
    const token = created.stdout.trim();
    expect(token).toMatch(/^rpt_[A-Za-z0-9_-]+$/);
    expect((await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: bearer(token) })).statusCode).toBe(200);
    expect((await s.app.inject({ url: `/api/v1/sessions/${theirs}`, headers: bearer(token) })).statusCode).toBe(404);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${sid}`, headers: bearer(token) })).statusCode).toBe(403);

    // One line per token: id, status, scope, projects, expiry, name; never the secret.
    const text = (await cli('list', '--email', 'admin@test.local')).stdout;
    expect(text).not.toContain(token);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    const [id, status, scope, projects, expires, name] = lines[0]!.split('\t');
    expect([status, scope, projects, name]).toEqual(['active', 'read', own.id, 'ci export']);
    expect(Date.parse(expires!.replace('expires ', ''))).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    expect((await cli('revoke', '--email', 'admin@test.local', id!)).stdout).toContain(`revoked ${id}`);
    expect((await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: bearer(token) })).statusCode).toBe(401);
    const admin = (await s.store.getUserByEmail('admin@test.local'))!;
    expect((await s.store.listApiTokens(admin.id)).map((t) => [t.id, t.revokedAt !== null])).toEqual([[id, true]]);
  }, 90_000);

  it('users create --role viewer --projects makes a viewer of those projects only', async () => {
    const { stdout } = await runCli(
      ['users', 'create', '--email', 'v@test.local', '--password', PASSWORD, '--role', 'viewer', '--projects', own.id],
      { ...process.env, ...s.env },
    );
    expect(stdout).toContain('created viewer v@test.local');
    const login = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'v@test.local', password: PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const me = (await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).json() as {
      admin: boolean;
      projects: { id: string; role: string }[];
    };
    expect(me).toMatchObject({ admin: false, projects: [{ id: own.id, role: 'viewer' }] });
  }, 60_000);

  it('refuses a token wider than its user', async () => {
    const u = (await s.store.createUser({ email: 'viewer@test.local', passwordHash: 'x', role: 'member' }))!;
    await s.store.setMembership({ projectId: own.id, userId: u.id, role: 'viewer' });
    const err = await cli('create', '--email', 'viewer@test.local', '--projects', other.id, '--scope', 'read').then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/cannot read project/);
    expect(await s.store.listApiTokens(u.id)).toEqual([]);
  }, 60_000);
});
