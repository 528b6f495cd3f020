import { rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exportSession, type ExportFormat } from '../../lifecycle/transfer.js';
import { fail, type CliCommand } from '../command.js';

/** `reprise export`: one session as Reprise JSON or as an rrweb events array. */
export const exportCommand: CliCommand = {
  name: 'export',
  usage: [
    {
      synopsis: 'export <sessionId> [--format reprise|rrweb] [--out FILE]',
      about: [
        'write a session as Reprise JSON (default; re-importable) or as a',
        'plain rrweb events array (rrweb-player), to FILE or stdout',
      ],
    },
  ],
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'reprise' }, out: { type: 'string' } },
    });
    const [sessionId] = positionals;
    if (!sessionId || positionals.length > 1) return fail('usage: reprise export <sessionId> [--format reprise|rrweb] [--out FILE]');
    if (values.format !== 'reprise' && values.format !== 'rrweb') return fail('--format must be reprise or rrweb');
    const data = await exportSession(await ctx.store(), sessionId, values.format as ExportFormat);
    if (!data) return fail(`no session ${sessionId}`);
    const json = JSON.stringify(data);
    if (values.out) {
      const tmp = `${values.out}.${process.pid}.tmp`;
      await writeFile(tmp, json);
      await rename(tmp, values.out);
      console.error(`wrote ${values.out} (${values.format})`);
    } else {
      // The process exits next: wait until a piped stdout has taken everything.
      await new Promise<void>((resolve, reject) => process.stdout.write(json + '\n', (err) => (err ? reject(err) : resolve())));
    }
    return 0;
  },
};
