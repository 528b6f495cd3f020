/**
 * `Content-Encoding: deflate` batches: a zlib stream (RFC 1950), optionally against a preset
 * dictionary (FDICT) named in the query (dictionaries.ts). Same guarantees as the gzip path:
 * inflation is capped at LIMITS.maxBatchBytes and every failure is a 4xx with a code.
 */
import { inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { DICTIONARY_UNAVAILABLE, DeltaFormError, LIMITS, decodeDeltaForm, type Batch, type DeflateCoding } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { DictionarySource } from './dictionaries.js';
import { validateBatch } from './limits.js';

const inflateAsync = promisify(inflate);

function badDeflate(message: string): HttpError {
  return new HttpError(400, 'bad_deflate', message);
}

export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  // Reduce every 5552 bytes, as zlib does: the sums stay exact integers in between.
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(i + 5552, bytes.length);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The DICTID of a zlib header, null when it names no dictionary; throws 400 unless it is a zlib header. */
function zlibDictId(body: Buffer): number | null {
  if (body.length < 2) throw badDeflate('body is too short for a zlib stream');
  const cmf = body[0]!;
  const flg = body[1]!;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) {
    throw badDeflate('body is not a zlib stream (RFC 1950)');
  }
  if (!(flg & 0x20)) return null;
  if (body.length < 6) throw badDeflate('zlib header is truncated');
  return body.readUInt32BE(2);
}

/**
 * Inflates, parses and validates a deflate batch (returned with its JSON text), or throws a 4xx
 * HttpError. With `delta`, the inflated body is the batch's delta form (protocol delta-form.ts),
 * turned back into the batch JSON here, and its dictionary holds the delta form of its reference;
 * with `delta-twice`, that zlib stream was itself deflated once more, without a dictionary.
 */
export async function decodeDeflateBatch(
  outer: Buffer,
  source: DictionarySource | null,
  coding: DeflateCoding = 'deflate',
): Promise<{ batch: Batch; raw: Buffer }> {
  const delta = coding !== 'deflate';
  const body = coding === 'delta-twice' ? await inflateOuter(outer) : outer;
  const dictId = zlibDictId(body);
  let dictionary: Uint8Array | undefined;
  const ref = dictId === null ? null : (source?.ref() ?? null);
  if (dictId !== null) {
    if (!source) throw badDeflate('the body needs a preset dictionary');
    dictionary = await source.load(delta);
    if (adler32(dictionary) !== dictId) {
      throw new HttpError(422, DICTIONARY_UNAVAILABLE, 'the preset dictionary differs from the one the body was compressed with');
    }
  }
  let raw = await inflateCapped(body, dictionary);
  if (delta) raw = undelta(raw);
  if (raw.length > LIMITS.maxBatchBytes) throw new HttpError(413, 'body_too_large', `batch exceeds ${LIMITS.maxBatchBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    // With a reference, the text may quote stored session data: say where, never what.
    throw new HttpError(400, 'bad_json', ref ? 'body is not valid JSON' : `body is not valid JSON: ${(err as Error).message}`);
  }
  const batch = validateBatch(json);
  if (ref && batch.sessionId !== ref.sessionId) {
    throw new HttpError(400, 'invalid_batch', 'a dictionary reference must name a batch of the same session');
  }
  source?.remember?.(batch);
  return { batch, raw };
}

/** Inflates a zlib stream, at most `max` bytes of output: 413 past it, 400 `bad_deflate` when it is not valid. */
async function inflateCapped(body: Buffer, dictionary?: Uint8Array, max = LIMITS.maxBatchBytes): Promise<Buffer> {
  try {
    return await inflateAsync(body, { maxOutputLength: max, ...(dictionary ? { dictionary } : {}) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new HttpError(413, 'body_too_large', `decompressed body exceeds ${max} bytes`);
    }
    throw badDeflate(`body is not valid deflate: ${(err as Error).message}`);
  }
}

/**
 * The inner zlib stream of a body deflated twice. The second pass has no dictionary (the inner
 * stream names it). The inner stream is what a body deflated once would be, so it is capped as
 * such a body is on the wire (LIMITS.maxCompressedBatchBytes): a small outer body cannot make the
 * server hold more than a large once-deflated one would.
 */
async function inflateOuter(body: Buffer): Promise<Buffer> {
  if (zlibDictId(body) !== null) throw badDeflate('the outer zlib stream of a body deflated twice takes no dictionary');
  return inflateCapped(body, undefined, LIMITS.maxCompressedBatchBytes);
}

/** The batch JSON of an inflated delta-form body: 400 `bad_delta` when it is not one, 413 past the size limit. */
function undelta(body: Buffer): Buffer {
  let out: Uint8Array | null;
  try {
    out = decodeDeltaForm(body, LIMITS.maxBatchBytes);
  } catch (err) {
    if (err instanceof DeltaFormError) throw new HttpError(400, 'bad_delta', `body is not a valid delta form: ${err.message}`);
    throw err;
  }
  if (!out) throw new HttpError(413, 'body_too_large', `batch exceeds ${LIMITS.maxBatchBytes} bytes`);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
