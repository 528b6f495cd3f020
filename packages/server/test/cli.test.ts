import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
    const first = await reprise(dir, 'users', 'create', '--email', 'twice@test.local', '--password', 'pw');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('created member twice@test.local');
    // The same e-mail again: the store throws from inside the command.
    const again = await reprise(dir, 'users', 'create', '--email', 'twice@test.local', '--password', 'pw');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/UNIQUE constraint failed: users\.email/);
    // SQLite deletes the -wal and -shm files when the last connection closes, and only then:
    // a process that exits with the database open leaves them behind.
    expect(readdirSync(dir).filter((f) => f.startsWith('reprise.db'))).toEqual(['reprise.db']);
    expect(existsSync(path.join(dir, 'reprise.db-wal'))).toBe(false);
  });
});
