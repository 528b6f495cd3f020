import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';

/** A site on its own loopback origin: fixed responses by path, every request logged. */
export interface AssetSite {
  origin: string;
  requests: string[];
  close(): Promise<void>;
}

export interface SiteResponse {
  type: string;
  body: Buffer | string;
  /** Answer this much later (a stylesheet still loading when the snapshot is taken). */
  delayMs?: number;
}

export async function startSite(routes: (origin: string) => Record<string, SiteResponse>): Promise<AssetSite> {
  const requests: string[] = [];
  let table: Record<string, SiteResponse> = {};
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(path);
    const r = table[path];
    if (!r) return void res.writeHead(404).end();
    const send = () => res.writeHead(200, { 'content-type': r.type, 'cache-control': 'no-store' }).end(r.body);
    if (r.delayMs) setTimeout(send, r.delayMs);
    else send();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  table = routes(origin);
  return {
    origin,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A solid-colour PNG of w×h pixels (RGB). */
export function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.concat(Array.from({ length: w }, () => Buffer.from(rgb)))]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A TrueType font of the system (Chromium needs fonts, so one is there). */
export function systemFont(): Buffer {
  const candidates = [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    '/usr/share/fonts/TTF/DejaVuSans.ttf',
    '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  ];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`no TrueType font found (looked at ${candidates.join(', ')})`);
  return readFileSync(file);
}
