import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * Every byte Reprise stored under a data directory, with gzip chunks inflated,
 * so privacy tests can search for secrets in what is really on disk.
 */
export function storedBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const b = readFileSync(p);
        parts.push(b);
        if (b[0] === 0x1f && b[1] === 0x8b) parts.push(gunzipSync(b));
      }
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}
