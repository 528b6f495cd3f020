import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMENT_LIMITS, type ReplayEvent, type SessionComment, type SessionList } from '@reprise/protocol';
import { hashPassword } from '../src/auth/passwords.js';
import { ADMIN, domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/** Comments pinned to a moment: the store on both backends (projects default and postgres), the API and search. */

const DAY = 86_400_000;
const PASSWORD = 'a long enough password';
let s: TestServer;
let memberCookie = '';
let otherMemberCookie = '';
let viewerCookie = '';
let n = 0;

async function session(userId?: string): Promise<string> {
  const id = `sess_comments_${++n}`;
  const t = Date.now();
  const events: ReplayEvent[] = [domEvent(t, 4, { href: 'https://shop.example/', width: 800, height: 600 }), domEvent(t + 1)];
  if (userId) events.push({ t: t + 2, kind: 'custom', data: { type: 'identify', userId } });
  const r = await postBatch(s, makeBatch(id, 0, events));
  expect(r.statusCode, r.body).toBe(200);
  return id;
}

async function api(method: string, url: string, payload?: unknown, cookie = s.cookie) {
  return s.app.inject({
    method: method as 'GET',
    url,
    headers: { cookie },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

async function login(email: string): Promise<string> {
  const res = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
  expect(res.statusCode, res.body).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

const SKETCH = {
  offsetMs: 1500,
  text: 'The total is wrong here',
  shapes: [
    { kind: 'rect', x: 10, y: 20, w: 100, h: 40 },
    { kind: 'arrow', from: { x: 300, y: 300 }, to: { x: 120, y: 40 } },
    {
      kind: 'freehand',
      points: [
        { x: 1, y: 2 },
        { x: 3.5, y: 4.25 },
        { x: 5, y: 6 },
      ],
    },
  ],
  element: { nodeId: 42, selector: '#total' },
};

beforeAll(async () => {
  s = await startTestServer();
  const [project] = await s.store.listProjects();
  for (const [role, email] of [
    ['member', 'member@comments.test'],
    ['member', 'other@comments.test'],
    ['viewer', 'viewer@comments.test'],
  ] as const) {
    const u = (await s.store.createUser({ email, passwordHash: await hashPassword(PASSWORD), role: 'member' }))!;
    await s.store.setMembership({ projectId: project!.id, userId: u.id, role });
  }
  memberCookie = await login('member@comments.test');
  otherMemberCookie = await login('other@comments.test');
  viewerCookie = await login('viewer@comments.test');
});
afterAll(async () => s?.close());

describe('comments: store contract (this backend)', () => {
  it('creates, lists by moment, updates and deletes, keeping shapes exactly', async () => {
    const id = await session();
    const admin = (await s.store.getUserByEmail(ADMIN.email))!;
    const late = await s.store.createComment({
      sessionId: id,
      offsetMs: 9000,
      text: 'later',
      shapes: [],
      element: null,
      authorId: admin.id,
    });
    const early = await s.store.createComment({ sessionId: id, ...SKETCH, authorId: admin.id } as never);
    expect(late && early).toBeTruthy();
    const list = await s.store.listComments(id);
    expect(list.map((c) => c.text)).toEqual([SKETCH.text, 'later']);
    expect(list[0]).toMatchObject({ ...SKETCH, sessionId: id, authorId: admin.id, authorEmail: ADMIN.email });
    expect(typeof list[0]!.createdAt).toBe('number');
    expect(await s.store.countComments(id)).toBe(2);

    const updated = await s.store.updateComment(late!.id, { text: 'edited', shapes: [{ kind: 'rect', x: 1, y: 1, w: 2, h: 2 }] });
    expect(updated).toMatchObject({ text: 'edited', offsetMs: 9000, shapes: [{ kind: 'rect', x: 1, y: 1, w: 2, h: 2 }], element: null });
    expect(updated!.updatedAt).toBeGreaterThanOrEqual(updated!.createdAt);
    expect(await s.store.updateComment('cmt_none', { text: 'x' })).toBeNull();
    expect(await s.store.deleteComment(late!.id)).toBe(true);
    expect(await s.store.deleteComment(late!.id)).toBe(false);
    expect((await s.store.listComments(id)).map((c) => c.id)).toEqual([early!.id]);
  });

  it('imports comments keeping ids and times, skipping those already there or without a session', async () => {
    const id = await session();
    const made = (await s.store.createComment({ sessionId: id, offsetMs: 5, text: 'here', shapes: [], element: null, authorId: null }))!;
    const copy: SessionComment = {
      ...made,
      id: 'cmt_imported_1',
      text: 'imported',
      authorId: 'usr_unknown_here',
      authorEmail: null,
      createdAt: 1_000,
      updatedAt: 2_000,
      shapes: SKETCH.shapes as SessionComment['shapes'],
    };
    expect(await s.store.importComments([made, copy, { ...copy, id: 'cmt_imported_2', sessionId: 'sess_missing_2' }])).toBe(1);
    expect(await s.store.getComment('cmt_imported_1')).toEqual({ ...copy, authorId: null });
    expect(await s.store.importComments([copy])).toBe(0);
    expect(await s.store.getComment('cmt_imported_2')).toBeNull();
  });

  it('stores nothing for a session that does not exist', async () => {
    expect(
      await s.store.createComment({ sessionId: 'sess_missing_1', offsetMs: 0, text: 'x', shapes: [], element: null, authorId: null }),
    ).toBeNull();
    expect(await s.store.listComments('sess_missing_1')).toEqual([]);
  });

  it('removes comments with their session: delete, retention and erasure', async () => {
    const deleted = await session();
    const expired = await session();
    const erased = await session('erase-me-comments');
    for (const id of [deleted, expired, erased]) {
      expect((await api('POST', `/api/v1/sessions/${id}/comments`, { offsetMs: 0, text: `note on ${id}` })).statusCode).toBe(201);
    }
    const count = async () => Number((await s.query<{ n: number }>('SELECT count(*) AS n FROM comments'))[0]!.n);
    const before = await count();

    expect((await api('DELETE', `/api/v1/sessions/${deleted}`)).statusCode).toBeLessThan(300);
    expect(await s.store.listComments(deleted)).toEqual([]);

    expect((await api('DELETE', '/api/v1/users/erase-me-comments/data')).statusCode).toBe(200);
    expect(await s.store.listComments(erased)).toEqual([]);

    const [project] = await s.store.listProjects();
    await s.store.updateProject(project!.id, { retentionDays: 1 });
    try {
      expect(await s.store.deleteExpiredSessions(Date.now() + 3 * DAY)).toBeGreaterThan(0);
    } finally {
      await s.store.updateProject(project!.id, { retentionDays: null });
    }
    expect(await s.store.listComments(expired)).toEqual([]);
    expect(await count()).toBeLessThanOrEqual(before - 3);
  });
});

describe('comments: API', () => {
  it('round-trips a comment with a sketch and an element, with its author and rights', async () => {
    const id = await session();
    const res = await api('POST', `/api/v1/sessions/${id}/comments`, SKETCH, memberCookie);
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json() as SessionComment;
    expect(created).toMatchObject({ ...SKETCH, authorEmail: 'member@comments.test', canEdit: true });
    const asViewer = (await api('GET', `/api/v1/sessions/${id}/comments`, undefined, viewerCookie)).json() as {
      comments: SessionComment[];
    };
    expect(asViewer.comments).toEqual([{ ...created, canEdit: false }]);
    const asAdmin = (await api('GET', `/api/v1/sessions/${id}/comments`)).json() as { comments: SessionComment[] };
    expect(asAdmin.comments[0]!.canEdit).toBe(true);
  });

  it('lets only the author or an admin edit or delete; others get 403 and change nothing', async () => {
    const id = await session();
    const c = (await api('POST', `/api/v1/sessions/${id}/comments`, { offsetMs: 10, text: 'mine' }, memberCookie)).json() as SessionComment;
    const url = `/api/v1/sessions/${id}/comments/${c.id}`;
    expect((await api('PATCH', url, { text: 'not yours' }, otherMemberCookie)).statusCode).toBe(403);
    expect((await api('DELETE', url, undefined, otherMemberCookie)).statusCode).toBe(403);
    expect((await api('PATCH', url, { text: 'viewer' }, viewerCookie)).statusCode).toBe(403);
    expect((await s.store.getComment(c.id))!.text).toBe('mine');

    const own = await api('PATCH', url, { text: 'mine, edited', offsetMs: 20 }, memberCookie);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ text: 'mine, edited', offsetMs: 20 });
    const byAdmin = await api('PATCH', url, { shapes: [{ kind: 'rect', x: 0, y: 0, w: 5, h: 5 }] });
    expect(byAdmin.statusCode, byAdmin.body).toBe(200);
    expect(byAdmin.json()).toMatchObject({ text: 'mine, edited', authorEmail: 'member@comments.test' });

    // A comment is addressed through its own session only.
    const elsewhere = await session();
    expect((await api('DELETE', `/api/v1/sessions/${elsewhere}/comments/${c.id}`)).statusCode).toBe(404);
    expect((await api('DELETE', url)).statusCode).toBe(204);
    expect(await s.store.getComment(c.id)).toBeNull();
    expect((await api('DELETE', url)).statusCode).toBe(404);
  });

  it('refuses bad bodies with a 400 that names the problem, storing nothing', async () => {
    const id = await session();
    const freehand = (points: number) => ({ kind: 'freehand', points: Array.from({ length: points }, (_, i) => ({ x: i, y: i })) });
    const bad: [unknown, RegExp][] = [
      [{ offsetMs: 0 }, /text or a sketch/],
      [{ offsetMs: -1, text: 'x' }, /offsetMs/],
      [{ offsetMs: 1.5, text: 'x' }, /offsetMs/],
      [{ text: 'x' }, /offsetMs/],
      [{ offsetMs: 0, text: 'x'.repeat(COMMENT_LIMITS.textChars + 1) }, /text/],
      [{ offsetMs: 0, text: 'x', shapes: [{ kind: 'circle', x: 1 }] }, /shapes/],
      [{ offsetMs: 0, text: 'x', shapes: [{ kind: 'rect', x: 1, y: 1, w: -2, h: 1 }] }, /shapes\.0\.w/],
      [{ offsetMs: 0, text: 'x', shapes: [{ kind: 'arrow', from: { x: 1e9, y: 0 }, to: { x: 0, y: 0 } }] }, /shapes/],
      [{ offsetMs: 0, text: 'x', shapes: [freehand(COMMENT_LIMITS.pointsPerShape + 1)] }, /shapes\.0\.points/],
      [
        {
          offsetMs: 0,
          text: 'x',
          shapes: Array.from({ length: COMMENT_LIMITS.shapes + 1 }, () => ({ kind: 'rect', x: 0, y: 0, w: 1, h: 1 })),
        },
        /shapes/,
      ],
      [{ offsetMs: 0, text: 'x', shapes: Array.from({ length: 6 }, () => freehand(COMMENT_LIMITS.pointsPerShape)) }, /points in all/],
      [{ offsetMs: 0, text: 'x', element: { nodeId: 'a', selector: '#x' } }, /element\.nodeId/],
      [{ offsetMs: 0, text: 'x', element: { nodeId: 1, selector: 'x'.repeat(COMMENT_LIMITS.selectorChars + 1) } }, /element\.selector/],
      [{ offsetMs: 0, text: 'x', authorId: 'usr_forged' }, /authorId|Unrecognized/i],
      [[1, 2], /expected object/i],
    ];
    for (const [body, reason] of bad) {
      const res = await api('POST', `/api/v1/sessions/${id}/comments`, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 120)).toBe(400);
      expect((res.json() as { error: string; message: string }).message).toMatch(reason);
    }
    expect(await s.store.listComments(id)).toEqual([]);

    const c = (await api('POST', `/api/v1/sessions/${id}/comments`, { offsetMs: 0, text: 'ok' })).json() as SessionComment;
    for (const body of [{}, { text: 5 }, { sessionId: 'other' }, { shapes: [{ kind: 'rect' }] }]) {
      expect((await api('PATCH', `/api/v1/sessions/${id}/comments/${c.id}`, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await s.store.getComment(c.id)).toMatchObject({ text: 'ok', shapes: [] });
    expect((await api('POST', '/api/v1/sessions/sess_nope/comments', { offsetMs: 0, text: 'x' })).statusCode).toBe(404);
  });
});

describe('comments: search', () => {
  it('finds sessions by has:comment and comment:"text", and leaves the others out', async () => {
    const withNote = await session();
    const without = await session();
    expect(
      (await api('POST', `/api/v1/sessions/${withNote}/comments`, { offsetMs: 5, text: 'Checkout total 100% WRONG_again' })).statusCode,
    ).toBe(201);
    const ids = async (q: string) =>
      ((await api('GET', `/api/v1/sessions?limit=500&q=${encodeURIComponent(q)}`)).json() as SessionList).sessions.map((x) => x.id);
    expect(await ids('has:comment')).toContain(withNote);
    expect(await ids('has:comment')).not.toContain(without);
    expect(await ids('-has:comment')).toContain(without);
    expect(await ids('-has:comment')).not.toContain(withNote);
    expect(await ids('comment:"total 100%"')).toEqual([withNote]);
    expect(await ids('comment:wrong_AGAIN')).toEqual([withNote]);
    // Wildcards are literal: `_` and `%` match only themselves.
    expect(await ids('comment:"total 1000"')).toEqual([]);
    expect(await ids('comment:"WRONG%again"')).toEqual([]);
    const bad = await api('GET', `/api/v1/sessions?q=${encodeURIComponent('comment:')}`);
    expect(bad.statusCode).toBe(400);
  });
});
