import { parseArgs } from 'node:util';
import { createLink, parseDuration } from '../../links/service.js';
import { bootstrapStore, fail, failOnThrow, type CliCommand } from '../command.js';

/** `reprise link create`: a magic recording link for the first project. */
export const linkCreate: CliCommand = {
  name: 'link',
  aliases: ['links'],
  sub: 'create',
  usage: [
    {
      synopsis: 'link create --url U --label L --expires 24h [--max-sessions N]',
      about: ['print a magic recording link (expires: 30m, 24h, 7d or seconds;', 'base URL from REPRISE_PUBLIC_URL)'],
    },
  ],
  async run(args, ctx) {
    const { values } = parseArgs({
      args,
      options: { url: { type: 'string' }, label: { type: 'string' }, expires: { type: 'string' }, 'max-sessions': { type: 'string' } },
    });
    const url = values.url;
    if (!url) return fail('--url is required');
    const ttl = parseDuration(values.expires ?? '24h');
    if (ttl === null) return fail(`--expires must look like 30m, 24h, 7d or a number of seconds, got "${values.expires}"`);
    let maxSessions: number | undefined;
    if (values['max-sessions'] !== undefined) {
      maxSessions = Number(values['max-sessions']);
      if (!Number.isInteger(maxSessions) || maxSessions < 1) return fail('--max-sessions must be a positive integer');
    }
    const { config } = ctx;
    const store = await ctx.store();
    return failOnThrow(async () => {
      await bootstrapStore(store, config);
      const [project] = await store.listProjects();
      const link = await createLink(store, {
        projectId: project!.id,
        allowedOrigins: project!.allowedOrigins,
        targetUrl: url,
        label: values.label ?? '',
        expiresInSeconds: ttl,
        maxSessions,
        createdBy: null,
        publicBase: config.publicUrl,
      });
      console.log(link.url);
      console.error(
        `expires ${new Date(link.expiresAt).toISOString()}${link.maxSessions ? `, at most ${link.maxSessions} session(s)` : ''}`,
      );
      return 0;
    });
  },
};
