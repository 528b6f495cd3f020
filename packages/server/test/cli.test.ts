import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/commands/index.js';
import { builtCli } from '../../../test-support/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `reprise <args>` (the built CLI) on a SQLite data dir of its own. */
function reprise(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only the SQLite settings: no REPRISE_DATABASE_URL or REPRISE_S3_* from the environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REPRISE_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [builtCli(), ...args], { cwd: ROOT, env: { ...env, REPRISE_DATA_DIR: dataDir } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }),
    );
  });
}

function dataDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'reprise-cli-'));
  dirs.push(d);
  return d;
}

describe('reprise (the command table)', () => {
  it('prints a usage line for every command of the table: exit 0 without a command, 2 for an unknown one', async () => {
    const dir = dataDir();
    const [bare, unknown, incomplete] = await Promise.all([reprise(dir), reprise(dir, 'frobnicate'), reprise(dir, 'users')]);
    expect(bare.code).toBe(0);
    expect(unknown.code).toBe(2);
    expect(incomplete.code).toBe(2);
    expect(unknown.stdout).toBe(bare.stdout);
    expect(incomplete.stdout).toBe(bare.stdout);
    expect(bare.stdout.startsWith('reprise <command>\n')).toBe(true);
    const lines = bare.stdout.split('\n');
    const synopses = COMMANDS.flatMap((c) => c.usage.map((u) => u.synopsis));
    expect(synopses.length).toBeGreaterThanOrEqual(COMMANDS.length);
    for (const s of synopses)
      expect(
        lines.some((l) => l.startsWith(`  ${s}`)),
        s,
      ).toBe(true);
    // Each command's first word is the one the dispatcher answers to.
    for (const c of COMMANDS)
      expect(
        synopses.some((s) => s.startsWith(`${c.name}${c.sub ? ` ${c.sub}` : ''}`)),
        c.name,
      ).toBe(true);
  });

  it('closes the store when a command throws: non-zero exit, the error on stderr, the SQLite WAL checkpointed away', async () => {
    const dir = dataDir();
    const t = Date.now();
    const file = path.join(dir, 'session.json');
    writeFileSync(
      file,
      JSON.stringify([
        { type: 4, data: { href: 'https://shop.example/', width: 800, height: 600 }, timestamp: t },
        { type: 2, data: { node: { type: 0, childNodes: [], id: 1 }, initialOffset: { left: 0, top: 0 } }, timestamp: t + 1 },
      ]),
    );
    const imported = await reprise(dir, 'import', file);
    expect(imported.code, imported.stderr).toBe(0);
    const sessionId = imported.stdout.trim();
    // Writing into a folder that does not exist: the command throws with the store open.
    const failed = await reprise(dir, 'export', sessionId, '--out', path.join(dir, 'missing', 'session.json'));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/ENOENT/);
    // SQLite deletes the -wal and -shm files when the last connection closes, and only then:
    // a process that exits with the database open leaves them behind.
    expect(readdirSync(dir).filter((f) => f.startsWith('reprise.db'))).toEqual(['reprise.db']);
    expect(existsSync(path.join(dir, 'reprise.db-wal'))).toBe(false);
  });

  it('users create with an e-mail that exists (in any case) says so, exit 2', async () => {
    const dir = dataDir();
    const first = await reprise(dir, 'users', 'create', '--email', 'twice@test.local', '--password', 'a long password');
    expect(first.code, first.stderr).toBe(0);
    const again = await reprise(dir, 'users', 'create', '--email', 'Twice@test.local', '--password', 'a long password');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a user Twice@test.local exists');
  });
});
