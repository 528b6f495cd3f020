import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileDurably } from '../src/store/durable-file.js';
import { WalSync } from '../src/store/sqlite/wal-sync.js';

const dir = mkdtempSync(path.join(tmpdir(), 'reprise-durable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createFileDurably', () => {
  it('creates missing directories, writes every byte and never overwrites a file', async () => {
    const file = path.join(dir, 'p', 's', '0000000001-a.json.gz');
    const bytes = Buffer.alloc(300_000, 7);
    await createFileDurably(file, bytes);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    await expect(createFileDurably(file, Buffer.from('other'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('writes concurrently into one new directory', async () => {
    const files = Array.from({ length: 20 }, (_, i) => path.join(dir, 'q', 'r', `${i}.json.gz`));
    await Promise.all(files.map((f, i) => createFileDurably(f, Buffer.from(`batch ${i}`))));
    files.forEach((f, i) => expect(readFileSync(f, 'utf8')).toBe(`batch ${i}`));
  });
});

describe('WalSync', () => {
  it('answers every flush after a commit, and at once when nothing was committed', async () => {
    const wal = path.join(dir, 'db-wal');
    writeFileSync(wal, 'frames');
    const sync = new WalSync(wal);
    expect(sync.usable).toBe(true);
    await sync.flush();
    sync.committed();
    const first = Array.from({ length: 5 }, () => sync.flush());
    sync.committed();
    await Promise.all([...first, sync.flush()]);
    await sync.close();
  });

  it('is not usable without a WAL file, so commits keep synchronous=FULL', () => {
    expect(new WalSync(path.join(dir, 'missing-wal')).usable).toBe(false);
  });
});
