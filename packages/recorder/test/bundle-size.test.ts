import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { pkgDir } from './support/harness.js';

/**
 * Size budgets of the script-tag build (sizes, not timings: deterministic for a build).
 * The first load is reprise.js: all a page loads before recording starts with always-on
 * defaults. What it leaves out comes in content-hashed chunks (src/lazy-chunk.ts).
 * bench/bundle.ts reports where the bytes go, against rrweb's record build.
 */
// Issue 20 asks for 45 KB; this build reaches 44.55 (67.9 before the chunks; 53.2 before env,
// vitals, click descriptions, buffer mode and the Worker's driver went to chunks and rrweb's unused
// paths were trimmed; 48.2 before the network records code went to its chunk and the
// serialization of console arguments to the capture chunk). The rules for which bodies are
// recorded (capture/network/body-plan.ts) came back to the first load (+0.6 KB: 44.3), so that
// the hooks clone or keep only bodies that will be recorded while the network chunk is on its way.
// rrweb's DOM accessors with a getter each (rrweb-patches/accessors.mjs, faster recording: +0.2 KB, 44.55).
// JSON that ignores a page's Array/Object.prototype.toJSON (json.ts, Prototype.js pages: +0.13 KB, 44.68).
// Uploads through the browser's own fetch when the app wrapped it first (native-fetch.ts: +0.13 KB, 44.81).
// Console and error flood limits (capture/flood.ts) and a session of its own for a tab opened or
// duplicated from a recording one (session.ts), less a rejection's serialization moved to the capture
// chunk: +0.14 KB, 44.95. The budget is the target, 45 KB: an addition to the first load
// moves something else out of it. The flood notice sent on flush (+0.09 KB) went with the key rules'
// move to the capture chunk (capture/key-press.ts, -0.6 KB), and clicks calling the chunk directly: 44.41.
// Requests left waiting for the network chunk at pagehide recorded bare (record-base.ts, +0.48 KB),
// ES2020 syntax kept as written (build.mjs, -0.71 KB), errors logged with console.error (+0.19 KB): 44.37.
const FIRST_LOAD_MAX_BYTES = 45_000;
const LOADER_MAX_BYTES = 1_000;

const dir = join(pkgDir, 'dist/browser');
const gz = (file: string) => gzipSync(readFileSync(join(dir, file)), { level: 9 }).byteLength;

beforeAll(() => {
  if (!existsSync(join(dir, 'loader.js'))) execFileSync(process.execPath, ['build.mjs'], { cwd: pkgDir, stdio: 'inherit' });
});

describe('bundle size budgets', () => {
  it(`the first load (reprise.js) is at most ${FIRST_LOAD_MAX_BYTES / 1000} KB gzipped`, () => {
    expect(gz('reprise.js')).toBeLessThanOrEqual(FIRST_LOAD_MAX_BYTES);
  });

  it('the on-demand loader is under 1 KB gzipped', () => {
    expect(gz('loader.js')).toBeLessThan(LOADER_MAX_BYTES);
  });

  it('reprise.js names the chunks of its own build, and leaves fflate, the dictionary, canvas recording, the late capture code and the network records code to them', () => {
    const sdk = readFileSync(join(dir, 'reprise.js'), 'utf8');
    const chunks = readdirSync(dir).filter((f) => /^reprise-[a-z]+\.[\w-]+\.js$/.test(f));
    expect(chunks.map((f) => f.split('.')[0]).sort()).toEqual([
      'reprise-buffer',
      'reprise-canvas',
      'reprise-capture',
      'reprise-codec',
      'reprise-network',
      'reprise-ui',
    ]);
    for (const f of chunks) expect(sdk).toContain(f);
    const codec = chunks.find((f) => f.startsWith('reprise-codec'))!;
    // A phrase of the static dictionary r1, and rrweb's canvas frame encoder: in the chunks only.
    expect(readFileSync(join(dir, codec), 'utf8')).toContain('justify-content: space-between; ');
    expect(sdk).not.toContain('justify-content: space-between; ');
    expect(sdk).not.toContain('convertToBlob');
    // A phrase of env capture (capture chunk) and of buffer mode (buffer chunk): not in the first load.
    const capture = chunks.find((f) => f.startsWith('reprise-capture'))!;
    expect(readFileSync(join(dir, capture), 'utf8')).toContain('languagechange');
    expect(sdk).not.toContain('languagechange');
    // And of the serialization of console arguments (serialize.ts): the first load has only the console hooks.
    expect(readFileSync(join(dir, capture), 'utf8')).toContain('"circular"');
    expect(sdk).not.toContain('"circular"');
    expect(sdk).not.toContain('buffer trigger: uploading');
    // A phrase of the network records code (network chunk): the first load has only the hooks.
    const network = chunks.find((f) => f.startsWith('reprise-network'))!;
    expect(readFileSync(join(dir, network), 'utf8')).toContain('sendBeacon refused to queue the request');
    expect(sdk).not.toContain('sendBeacon refused to queue the request');
  });
});
