import { parseArgs } from 'node:util';
import { findMapPairs } from '../../sourcemaps/upload-files.js';
import { errorMessage, fail, type CliCommand } from '../command.js';

/**
 * `reprise sourcemaps upload`: a build directory's maps to a release, over the API with a
 * project-scoped token (docs/sourcemaps.md). Needs no database: only the server's URL and a token.
 */
export const sourcemapsUpload: CliCommand = {
  name: 'sourcemaps',
  sub: 'upload',
  withoutConfig: true,
  usage: [
    {
      synopsis: 'sourcemaps upload --release R --url-prefix URL [--url SERVER] [--token T] [--project ID] DIR',
      about: [
        "Uploads DIR's source maps to release R: each script's map (its sourceMappingURL, debug id or",
        '<script>.map) under URL + its path in DIR (env: REPRISE_URL, REPRISE_TOKEN; docs/sourcemaps.md)',
      ],
    },
  ],
  run: (args) => uploadCommand(args),
};

export async function uploadCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        release: { type: 'string' },
        'url-prefix': { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        project: { type: 'string' },
      },
    });
  } catch (err) {
    return fail(errorMessage(err));
  }
  const { values, positionals } = parsed;
  const server = values.url ?? env.REPRISE_URL;
  const token = values.token ?? env.REPRISE_TOKEN;
  const prefix = values['url-prefix'];
  if (!values.release || !prefix || positionals.length !== 1)
    return fail('usage: reprise sourcemaps upload --release R --url-prefix URL DIR');
  if (!server || !token) return fail('set REPRISE_URL and REPRISE_TOKEN (or pass --url and --token)');
  let base: URL;
  try {
    base = new URL(prefix.endsWith('/') ? prefix : `${prefix}/`);
  } catch {
    return fail(`--url-prefix is not a URL: ${prefix}`);
  }
  const { pairs, skipped } = await findMapPairs(positionals[0]!);
  if (pairs.length === 0) return fail(`no script with a source map under ${positionals[0]}`);
  const endpoint = new URL(
    `api/v1/releases/${encodeURIComponent(values.release)}/sourcemaps`,
    server.endsWith('/') ? server : `${server}/`,
  );
  let failed = 0;
  for (const p of pairs) {
    const url = new URL(p.script, base).toString();
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        url,
        map: p.mapText,
        ...(p.debugId ? { debugId: p.debugId } : {}),
        ...(values.project ? { projectId: values.project } : {}),
      }),
    }).catch((err: unknown) => new Error(errorMessage(err)));
    if (res instanceof Error) {
      failed++;
      console.error(`${p.script}: ${res.message}`);
      continue;
    }
    const body = (await res.json().catch(() => ({}))) as { message?: string; warnings?: string[] };
    if (res.status === 201) {
      console.log(`${url} ← ${p.mapFrom}${body.warnings?.length ? ` (${body.warnings.join('; ')})` : ''}`);
    } else {
      failed++;
      console.error(`${p.script}: ${res.status} ${body.message ?? ''}`);
    }
  }
  for (const s of skipped) console.error(`${s}: no source map found (skipped)`);
  console.log(`${pairs.length - failed} of ${pairs.length} map(s) uploaded to release ${values.release}`);
  return failed > 0 ? 1 : 0;
}
