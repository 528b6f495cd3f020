import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** A bare node:http server doing the AppendFloor work (with fsync) per POST: HTTP plus the floor. */
export async function startHttpFloor(file: string): Promise<{ url: string; close(): Promise<void> }> {
  const floor = new AppendFloor(file, true);
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      try {
        floor.ingest(Buffer.concat(parts));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      floor.close();
    },
  };
}
