import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../auth/passwords.js';
import { accessOf } from '../auth/access.js';
import { HttpError } from '../http/errors.js';
import type { ProjectRole, Store, UserRole } from '../store/types.js';

/** `/api/v1/users` and `/api/v1/projects/:id/members`: server admins manage accounts and memberships. */
export async function userRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const admin = { config: { access: { need: 'admin' as const } } };
  const adminOfProject = { config: { access: { need: 'admin' as const, project: 'project' as const } } };

  app.get('/users', admin, async () => {
    const users = await store.listUsers();
    return {
      users: await Promise.all(
        users.map(async (u) => ({
          id: u.id,
          email: u.email,
          role: u.role,
          createdAt: u.createdAt,
          projects: await store.listMemberships(u.id),
        })),
      ),
    };
  });

  app.post('/users', admin, async (req, reply) => {
    const b = (req.body ?? {}) as { email?: unknown; password?: unknown; role?: unknown };
    if (typeof b.email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(b.email.trim()))
      throw new HttpError(400, 'invalid_request', 'email must be an email address');
    if (typeof b.password !== 'string' || b.password.length < 8)
      throw new HttpError(400, 'invalid_request', 'password must be at least 8 characters');
    const role = userRole(b.role ?? 'member');
    const email = b.email.trim();
    const exists = () => new HttpError(409, 'conflict', `a user ${email} exists`);
    // Checked first to skip hashing; createUser decides when two requests race.
    if (await store.getUserByEmail(email)) throw exists();
    const user = await store.createUser({ email, passwordHash: await hashPassword(b.password), role });
    if (!user) throw exists();
    return reply.status(201).send({ id: user.id, email: user.email, role: user.role, createdAt: user.createdAt });
  });

  app.patch('/users/:id', admin, async (req) => {
    const { id } = req.params as { id: string };
    const role = userRole((req.body as { role?: unknown } | undefined)?.role);
    if (!(await store.setUserRole(id, role))) throw new HttpError(404, 'not_found', `no user ${id}`);
    return { id, role };
  });

  app.get('/projects/:id/members', adminOfProject, async (req) => {
    const projectId = existing(accessOf(req).projectId, req.params);
    return { members: await store.listProjectMembers(projectId) };
  });

  app.put('/projects/:id/members/:userId', adminOfProject, async (req) => {
    const projectId = existing(accessOf(req).projectId, req.params);
    const { userId } = req.params as { userId: string };
    const role = (req.body as { role?: unknown } | undefined)?.role;
    if (role !== 'member' && role !== 'viewer') throw new HttpError(400, 'invalid_request', 'role must be member or viewer');
    if (!(await store.getUser(userId))) throw new HttpError(404, 'not_found', `no user ${userId}`);
    await store.setMembership({ projectId, userId, role: role as ProjectRole });
    return { projectId, userId, role };
  });

  app.delete('/projects/:id/members/:userId', adminOfProject, async (req, reply) => {
    const projectId = existing(accessOf(req).projectId, req.params);
    const { userId } = req.params as { userId: string };
    if (!(await store.removeMembership(projectId, userId))) throw new HttpError(404, 'not_found', `${userId} is not a member`);
    return reply.status(204).send();
  });
}

function userRole(v: unknown): UserRole {
  if (v !== 'admin' && v !== 'member') throw new HttpError(400, 'invalid_request', 'role must be admin or member');
  return v;
}

function existing(projectId: string | null, params: unknown): string {
  if (!projectId) throw new HttpError(404, 'not_found', `no project ${(params as { id?: string }).id ?? ''}`);
  return projectId;
}
