import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RangeParamError } from '../../export/playwright/range.js';
import { fail, type CliCommand } from '../command.js';

const USAGE =
  'usage: reprise export playwright <sessionId> [--from MS|ISO] [--to MS|ISO] [--har] [--unmatched passthrough|block] [--out DIR]';

/** `reprise export playwright`: a session as a Playwright test (docs/playwright-export.md). Sits before `export` in the table. */
export const exportPlaywrightCommand: CliCommand = {
  name: 'export',
  sub: 'playwright',
  usage: [
    {
      synopsis: 'export playwright <sessionId> [--from] [--to] [--har] [--unmatched passthrough|block] [--out DIR]',
      about: [
        'write a session (or the slice from..to, ms from its start or ISO) as a',
        'Playwright test replaying it against recorded responses: DIR/reprise-<id>.spec.ts',
        '(and .har with --har), or the spec to stdout without --out',
      ],
    },
  ],
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        har: { type: 'boolean', default: false },
        unmatched: { type: 'string', default: 'passthrough' },
        out: { type: 'string' },
      },
    });
    const [sessionId] = positionals;
    if (!sessionId || positionals.length > 1) return fail(USAGE);
    if (values.unmatched !== 'passthrough' && values.unmatched !== 'block') return fail('--unmatched must be passthrough or block');
    if (values.har && !values.out) return fail('--har needs --out DIR (the spec and the HAR are two files)');
    // Loaded here, not at start: the exporter is the heaviest module of the CLI after the app.
    const { exportPlaywright } = await import('../../export/playwright/index.js');
    let out;
    try {
      out = await exportPlaywright(await ctx.store(), sessionId, { from: values.from, to: values.to, unmatched: values.unmatched });
    } catch (err) {
      if (err instanceof RangeParamError) return fail(err.message);
      throw err;
    }
    if (!out) return fail(`no session ${sessionId}`);
    if (!values.out) {
      // The process exits next: wait until a piped stdout has taken everything.
      await new Promise<void>((resolve, reject) => process.stdout.write(out.spec, (err) => (err ? reject(err) : resolve())));
      return 0;
    }
    await mkdir(values.out, { recursive: true });
    await writeAtomically(join(values.out, out.filename), out.spec);
    console.error(`wrote ${join(values.out, out.filename)}`);
    if (values.har) {
      await writeAtomically(join(values.out, out.harFilename), JSON.stringify(out.har, null, 2));
      console.error(`wrote ${join(values.out, out.harFilename)}`);
    }
    return 0;
  },
};

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
