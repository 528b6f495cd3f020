/**
 * How the codec (codec.ts) is had. This is the npm build's (and the unit tests') version: bundled
 * in, there at once. The script-tag build swaps in codec-loader-lazy.ts (build.mjs), with the
 * same exports.
 */
import { codec, type Codec } from './codec.js';

/** The codec if it is loaded, else null (then nothing can be compressed synchronously). */
export function loadedCodec(): Codec | null {
  return codec;
}

/** Loads the codec once; null if it can't be had (the recorder then sends gzip via CompressionStream, or plain JSON). Never rejects. */
export function loadCodec(): Promise<Codec | null> {
  return Promise.resolve(codec);
}
