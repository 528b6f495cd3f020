import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ExportBundleMissing, exportHtml, RangeParamError } from '../../export/html/index.js';
import { fail, type CliCommand } from '../command.js';

const USAGE = 'usage: reprise export html <sessionId> [--from MS|ISO] [--to MS|ISO] [-o FILE]';

/** `reprise export html`: a session as one self-contained HTML file (docs/html-export.md). Sits before `export` in the table. */
export const exportHtmlCommand: CliCommand = {
  name: 'export',
  sub: 'html',
  usage: [
    {
      synopsis: 'export html <sessionId> [--from] [--to] [-o FILE]',
      about: [
        'write a session (or the slice from..to, ms from its start or ISO) as one HTML',
        'file that replays offline with its devtools panels: FILE, else ./reprise-<id>.html',
      ],
    },
  ],
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string', short: 'o' } },
    });
    const [sessionId] = positionals;
    if (!sessionId || positionals.length > 1) return fail(USAGE);
    let out;
    try {
      out = await exportHtml(await ctx.store(), sessionId, { from: values.from, to: values.to });
    } catch (err) {
      if (err instanceof RangeParamError || err instanceof ExportBundleMissing) return fail(err.message);
      throw err;
    }
    if (!out) return fail(`no session ${sessionId}`);
    const file = values.out ?? out.filename;
    // Written beside the target and renamed: a failed export never leaves half a file under its name.
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await pipeline(Readable.from(out.body), createWriteStream(tmp));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    console.error(`wrote ${file}`);
    return 0;
  },
};
