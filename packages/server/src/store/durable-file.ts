import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Creates `file`, which must not exist, so that once this resolves it survives kill -9 and power
 * loss: write, fdatasync the file, fsync its directory (and, when directories had to be created,
 * the parent of each new one). The directory's fsync runs while the file is written and synced
 * (the name exists once the file is created). `sync: false` (bulk loads only) skips the syncs.
 *
 * There is no temporary name and rename: for write-once keys nobody reads a file before this
 * resolves (chunk objects are referenced only by rows committed afterwards), so a crash mid-write
 * leaves a partial file under a key nothing names, an orphan for the chunk GC like any other.
 * `wx` refuses an existing file, so a key is never overwritten.
 */
export async function createFileDurably(file: string, bytes: Buffer, opts: { sync?: boolean } = {}): Promise<void> {
  const sync = opts.sync ?? true;
  const dir = path.dirname(file);
  let fd: number;
  try {
    fd = await call<number>((cb) => fs.open(file, 'wx', cb));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // The directory is new (first batch of a session) or was removed by an erasure: create it.
    await createDirs(dir, sync);
    fd = await call<number>((cb) => fs.open(file, 'wx', cb));
  }
  // The new name is in the directory from here on: its fsync runs beside the file's write and fdatasync.
  const dirSynced = sync ? syncDir(dir) : null;
  try {
    await writeAll(fd, bytes);
    if (sync) await call((cb) => fs.fdatasync(fd, cb));
  } finally {
    await call((cb) => fs.close(fd, cb));
    // Settled either way, so a failed write never leaves its rejection unhandled.
    await dirSynced?.catch(() => undefined);
  }
  if (!dirSynced) return;
  await dirSynced;
  // Our directory may exist only thanks to a concurrent write whose mkdir is not durable yet.
  for (const [d, done] of creating) if (dir === d || dir.startsWith(d + path.sep)) await done;
}

/**
 * A callback `fs` call as a promise. Plain descriptors and callbacks, not `fs/promises`: a chunk
 * write is several threadpool round trips per batch, and FileHandle's bookkeeping cost the event
 * loop more than the calls themselves.
 */
function call<T = void>(start: (cb: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value as T))));
}

async function writeAll(fd: number, bytes: Buffer): Promise<void> {
  for (let off = 0; off < bytes.length;) {
    off += await call<number>((cb) => fs.write(fd, bytes, off, bytes.length - off, null, cb));
  }
}

/** Directory creations in progress (mkdir -p, then syncs), by leaf directory. */
const creating = new Map<string, Promise<void>>();

function createDirs(dir: string, sync: boolean): Promise<void> {
  let p = creating.get(dir);
  if (!p) {
    p = (async () => {
      const first = await mkdir(dir, { recursive: true });
      if (sync && first !== undefined) await syncNewDirs(first, dir);
    })().finally(() => creating.delete(dir));
    creating.set(dir, p);
  }
  return p;
}

/** Makes directories `first` … `last` (as mkdir -p created them) durable: fsync each one's parent. */
async function syncNewDirs(first: string, last: string): Promise<void> {
  const parents: string[] = [];
  for (let d = path.resolve(last); ; d = path.dirname(d)) {
    parents.push(path.dirname(d));
    if (d === path.resolve(first) || path.dirname(d) === d) break;
  }
  // The leaf itself is synced after the file is written.
  for (const p of parents.reverse()) await syncDir(p);
}

async function syncDir(dir: string): Promise<void> {
  const fd = await call<number>((cb) => fs.open(dir, 'r', cb));
  try {
    await call((cb) => fs.fsync(fd, cb));
  } finally {
    await call((cb) => fs.close(fd, cb));
  }
}
