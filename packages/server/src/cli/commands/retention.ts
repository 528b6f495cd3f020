import { runRetention } from '../../lifecycle/retention.js';
import type { CliCommand } from '../command.js';

/** `reprise retention run`: what the server's retention timer does, now. */
export const retentionRun: CliCommand = {
  name: 'retention',
  sub: 'run',
  usage: [
    {
      synopsis: 'retention run',
      about: ["delete the sessions past their project's retention now, and the", 'captured assets no remaining session references'],
    },
  ],
  async run(_args, ctx) {
    const { sessions: n, assets } = await runRetention(await ctx.store(), Date.now());
    console.log(`deleted ${n} expired session${n === 1 ? '' : 's'}`);
    if (assets.rows > 0) console.log(`deleted ${assets.rows} unreferenced asset${assets.rows === 1 ? '' : 's'}`);
    return 0;
  },
};
