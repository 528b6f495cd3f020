import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * The least work a durable ingest can do for one batch: inflate it, parse the
 * JSON, append the bytes to a file and (optionally) fsync. No HTTP, no index.
 */
export class AppendFloor {
  private readonly fd: number;
  constructor(
    file: string,
    private readonly fsync: boolean,
  ) {
    this.fd = openSync(file, 'a');
  }

  /** Does the work for one gzip body; returns the decompressed size. */
  ingest(body: Uint8Array): number {
    const raw = gunzipSync(body);
    const batch = JSON.parse(raw.toString('utf8')) as { events?: unknown };
    if (!Array.isArray(batch.events)) throw new Error('floor: batch without events');
    writeSync(this.fd, raw);
    writeSync(this.fd, '\n');
    if (this.fsync) fsyncSync(this.fd);
    return raw.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
