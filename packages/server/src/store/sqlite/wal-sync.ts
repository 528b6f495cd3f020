import { close, fdatasync, openSync } from 'node:fs';

/**
 * The WAL fsync of ingest's group commits, off the event loop. With synchronous=FULL every
 * commit fsyncs the WAL inside the (synchronous) commit call, so the event loop, which every
 * request shares, stands still for each fsync. Ingest instead commits its groups with
 * synchronous=NORMAL (SQLite writes the WAL frames, no fsync; WAL mode stays consistent) and
 * then fdatasyncs the WAL file here, on the libuv threadpool, before anything is acknowledged.
 * A sync covers every frame written before it started, so the groups that commit while one is
 * running share the next one.
 *
 * Why that is as durable as FULL: a commit's frames are in the WAL once the commit returns; if a
 * checkpoint has since copied them into the database and a writer restarted the WAL over them,
 * the checkpoint had already synced the database (it does at NORMAL). Our descriptor stays open
 * until the store closes (SQLite keeps no locks on the WAL file, so it cannot drop any).
 */
export class WalSync {
  private fd: number | null = null;
  /** Commits since the running sync (if any) started. */
  private dirty = false;
  /** Waiters of the sync in flight (null: none in flight). */
  private running: Waiter[] | null = null;
  private next: Waiter[] = [];
  /** After an fsync error (or no WAL file) every commit goes back to synchronous=FULL. */
  private broken = false;
  private idle: (() => void) | null = null;

  constructor(private readonly walFile: string) {}

  /** False once syncing failed (or the WAL cannot be opened): callers commit with synchronous=FULL instead. */
  get usable(): boolean {
    if (this.fd === null && !this.broken) {
      try {
        this.fd = openSync(this.walFile, 'r');
      } catch {
        this.broken = true;
      }
    }
    return !this.broken;
  }

  /** Call after every commit made with synchronous=NORMAL. */
  committed(): void {
    this.dirty = true;
  }

  /** Resolves once everything committed before this call is on disk. */
  flush(): Promise<void> {
    if (!this.dirty && this.running === null) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // Nothing committed since the running sync started: it covers us.
      if (!this.dirty) this.running!.push({ resolve, reject });
      else {
        this.next.push({ resolve, reject });
        this.start();
      }
    });
  }

  private start(): void {
    if (this.running !== null || this.next.length === 0) return;
    const waiters = (this.running = this.next);
    this.next = [];
    this.dirty = false;
    const done = (err: Error | null) => {
      this.running = null;
      if (err) {
        this.broken = true;
        for (const w of waiters) w.reject(err);
      } else for (const w of waiters) w.resolve();
      this.start();
      if (this.running === null) this.idle?.();
    };
    if (this.fd === null) done(new Error('the WAL file is not open'));
    else fdatasync(this.fd, done);
  }

  /** Waits for the syncs in flight, then releases the file. */
  async close(): Promise<void> {
    if (this.running !== null) await new Promise<void>((resolve) => (this.idle = resolve));
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}
