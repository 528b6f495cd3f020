import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalChunkStore } from '../src/store/chunks/local.js';
import { IngestPacks, type PackSegment } from '../src/store/sqlite/ingest-packs.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'reprise-ingest-packs-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const bytes = (s: string) => Buffer.from(s);
const packFiles = (root: string, projectId: string) => {
  const dir = path.join(root, projectId, '~packs');
  return existsSync(dir) ? readdirSync(dir) : [];
};

async function segmentBytes(store: LocalChunkStore, seg: PackSegment): Promise<string> {
  return (await store.get(seg.key, { start: seg.offset!, end: seg.offset! + seg.length! })).toString();
}

describe('IngestPacks (SQLite ingest packing)', () => {
  it('groups the batches queued behind a write into the next pack, each readable at its segment', async () => {
    const root = tmp();
    const store = new LocalChunkStore(root);
    const packs = new IngestPacks(store);
    const first = packs.add('prj', bytes('first'));
    // The first pack's write has started (it starts on the next setImmediate) and cannot have
    // finished: what is added now waits for it and goes into one pack together.
    await new Promise((r) => setImmediate(r));
    const rest = ['second', 'third!', 'fourth'].map((s) => packs.add('prj', bytes(s)));
    const [a, b, c, d] = await Promise.all([first, ...rest]);
    expect(a!.key).not.toBe(b!.key);
    expect(new Set([b!.key, c!.key, d!.key]).size).toBe(1);
    expect([b!.offset, c!.offset, d!.offset]).toEqual([0, 6, 12]);
    expect(a!.key).toMatch(/^prj\/~packs\/[A-Za-z0-9_-]{22}\.pack$/);
    expect(await Promise.all([a!, b!, c!, d!].map((s) => segmentBytes(store, s)))).toEqual(['first', 'second', 'third!', 'fourth']);
    expect(packFiles(root, 'prj')).toHaveLength(2);
    await packs.idle();
  });

  it('one pack per project of a round', async () => {
    const root = tmp();
    const packs = new IngestPacks(new LocalChunkStore(root));
    const [x, y, z] = await Promise.all([packs.add('p1', bytes('x')), packs.add('p2', bytes('y')), packs.add('p1', bytes('z'))]);
    expect(x!.key).toBe(z!.key);
    expect(x!.key.startsWith('p1/~packs/')).toBe(true);
    expect(y!.key.startsWith('p2/~packs/')).toBe(true);
  });

  it('deletes a pack once every batch settled unused, keeps one a row names', async () => {
    const root = tmp();
    const packs = new IngestPacks(new LocalChunkStore(root));
    const unused = await Promise.all([packs.add('prj', bytes('a')), packs.add('prj', bytes('b'))]);
    unused[0]!.settle(false);
    expect(packFiles(root, 'prj')).toHaveLength(1);
    unused[1]!.settle(false);
    await expect.poll(() => packFiles(root, 'prj')).toHaveLength(0);

    const used = await Promise.all(['c', 'd', 'e'].map((x) => packs.add('prj', bytes(x))));
    used[0]!.settle(false);
    used[0]!.settle(false); // settling twice counts once: the pack is not yet all settled
    used[1]!.settle(false);
    used[2]!.settle(true);
    // A pack settled unused after them, as a marker: once it is gone, any delete issued before has run.
    const marker = await packs.add('prj', bytes('f'));
    marker.settle(false);
    await expect.poll(() => packFiles(root, 'prj')).toEqual([path.basename(used[0]!.key)]);
  });

  it('a failed write refuses every batch of its pack; the next pack is written', async () => {
    const root = tmp();
    // A regular file where the project's directory would go: creating the pack fails.
    writeFileSync(path.join(root, 'blocked'), 'x');
    const packs = new IngestPacks(new LocalChunkStore(root));
    const refused = await Promise.allSettled([packs.add('blocked', bytes('a')), packs.add('blocked', bytes('b'))]);
    expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const ok = await packs.add('prj', bytes('c'));
    expect(ok.offset).toBe(0);
    expect(packFiles(root, 'prj')).toHaveLength(1);
  });
});
