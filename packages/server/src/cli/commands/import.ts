import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { importSession } from '../../lifecycle/transfer.js';
import { bootstrapStore, errorMessage, fail, failOnThrow, type CliCommand } from '../command.js';

/** `reprise import`: a Reprise export or an rrweb events array, as a session. */
export const importCommand: CliCommand = {
  name: 'import',
  usage: [
    {
      synopsis: 'import <FILE> [--project ID]',
      about: ['import a Reprise export (keeps its session id unless taken) or an', 'rrweb events array (a new session)'],
    },
  ],
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { project: { type: 'string' } } });
    const [file] = positionals;
    if (!file || positionals.length > 1) return fail('usage: reprise import <FILE> [--project ID]');
    let data: unknown;
    try {
      data = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      return fail(`cannot read ${file}: ${errorMessage(err)}`);
    }
    const { config } = ctx;
    const store = await ctx.store();
    return failOnThrow(async () => {
      await bootstrapStore(store, config);
      const r = await importSession(store, data, { projectId: values.project });
      if (r.takenId) console.error(`session id ${r.takenId} is taken: imported as ${r.sessionId}`);
      console.error(
        `imported ${r.format} file: ${r.batches} batch${r.batches === 1 ? '' : 'es'}, ${r.events} events, project ${r.projectId}`,
      );
      console.log(r.sessionId);
      return 0;
    });
  },
};
