import { parseArgs } from 'node:util';
import { hashPassword } from '../../auth/passwords.js';
import { randomSecret } from '../../ids.js';
import { fail, type CliCommand } from '../command.js';

/** `reprise users create`: a user, with a role in the projects unless an admin. */
export const usersCreate: CliCommand = {
  name: 'users',
  sub: 'create',
  usage: [
    {
      synopsis: 'users create --email E [--password P] [--role admin|member|viewer] [--projects ID,…]',
      about: ['a member or viewer gets that role in the projects (default: all)'],
    },
  ],
  async run(args, ctx) {
    const { values } = parseArgs({
      args,
      options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, projects: { type: 'string' } },
    });
    if (!values.email) return fail('--email is required');
    const role = values.role ?? 'member';
    if (role !== 'admin' && role !== 'member' && role !== 'viewer') return fail('--role must be admin, member or viewer');
    const store = await ctx.store();
    const all = (await store.listProjects()).map((p) => p.id);
    const projects = values.projects
      ? values.projects
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : all;
    const unknown = projects.find((p) => !all.includes(p));
    if (unknown) return fail(`no project ${unknown}`);
    const password = values.password ?? randomSecret().slice(0, 20);
    const user = await store.createUser({
      email: values.email,
      passwordHash: await hashPassword(password),
      role: role === 'admin' ? 'admin' : 'member',
    });
    if (!user) return fail(`a user ${values.email} exists`);
    // A member or viewer gets that role in the given projects (default: every project); an admin needs none.
    if (role !== 'admin') for (const projectId of projects) await store.setMembership({ projectId, userId: user.id, role });
    console.log(`created ${role} ${user.email}${values.password ? '' : ` with password ${password}`}`);
    return 0;
  },
};
