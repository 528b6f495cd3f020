import { parseArgs } from 'node:util';
import { parseTokenRequest, tokenInfo } from '../../api/tokens.js';
import { Caller } from '../../auth/access.js';
import { randomSecret, sha256 } from '../../ids.js';
import { parseDuration } from '../../links/service.js';
import { errorMessage, fail, type CliCommand } from '../command.js';

/** `reprise token create|list|revoke`: a user's API tokens. */
export const token: CliCommand = {
  name: 'token',
  aliases: ['tokens'],
  usage: [
    {
      synopsis: 'token create --email E [--name N] [--scope read|write] [--projects ID,…] [--expires 90d]',
      about: ['print a new bearer API token for that user (shown once); it never', 'grants more than the user has (docs/access.md)'],
    },
    { synopsis: 'token list --email E [--json]', about: ["that user's tokens: id, name, scope, projects, expiry, status"] },
    { synopsis: 'token revoke --email E <tokenId>', about: ["revoke one of that user's tokens"] },
  ],
  async run([sub, ...args], ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        scope: { type: 'string' },
        projects: { type: 'string' },
        expires: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') return fail('usage: reprise token create|list|revoke --email E …');
    if (!values.email) return fail('--email is required');
    const store = await ctx.store();
    const user = await store.getUserByEmail(values.email);
    if (!user) return fail(`no user ${values.email}`);
    const now = Date.now();
    if (sub === 'list') {
      const tokens = (await store.listApiTokens(user.id)).map((t) => tokenInfo(t, now));
      if (values.json) console.log(JSON.stringify(tokens, null, 2));
      for (const t of values.json ? [] : tokens) {
        const expires = t.expiresAt === null ? 'never' : new Date(t.expiresAt).toISOString();
        console.log(`${t.id}\t${t.status}\t${t.scope}\t${t.projectIds?.join(',') ?? 'all projects'}\texpires ${expires}\t${t.name}`);
      }
      return 0;
    }
    if (sub === 'revoke') {
      const id = positionals[0];
      if (!id) return fail('usage: reprise token revoke --email E <tokenId>');
      if (!(await store.revokeApiToken(id, user.id, now))) return fail(`${values.email} has no token ${id}`);
      console.log(`revoked ${id}`);
      return 0;
    }
    let expiresInSeconds: number | null = null;
    if (values.expires !== undefined) {
      expiresInSeconds = parseDuration(values.expires);
      if (expiresInSeconds === null) return fail(`--expires must look like 30m, 24h, 90d or a number of seconds, got "${values.expires}"`);
    }
    const projects = (await store.listProjects()).map((p) => p.id);
    const body = {
      name: values.name ?? 'cli',
      scope: values.scope ?? 'write',
      projectIds: values.projects
        ? values.projects
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean)
        : null,
      expiresInSeconds,
    };
    let input: ReturnType<typeof parseTokenRequest>;
    try {
      input = parseTokenRequest(body, projects);
      (await Caller.load(store, user, null)).assertCanGrant(input.scope, input.projectIds, projects);
    } catch (err) {
      return fail(errorMessage(err));
    }
    const secret = randomSecret('rpt_');
    const info = await store.createApiToken({
      tokenHash: sha256(secret),
      userId: user.id,
      name: input.name,
      scope: input.scope,
      projectIds: input.projectIds,
      expiresAt: input.expiresInSeconds === null ? null : now + input.expiresInSeconds * 1000,
    });
    console.log(secret);
    console.error(
      `${info.id}: ${info.scope}, ${info.projectIds?.join(',') ?? 'all projects'}, expires ${info.expiresAt === null ? 'never' : new Date(info.expiresAt).toISOString()}`,
    );
    return 0;
  },
};
