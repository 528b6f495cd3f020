import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DELTA_ENCODING, DELTA_TWICE_ENCODING, LIMITS, deflateCodingOf, type Batch } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { DictionarySource } from './dictionaries.js';
import { decodeDeflateBatch } from './inflate.js';
import { validateBatch } from './limits.js';
import { encodeBatchJson, type EncodedChunk } from '../store/chunk-codec.js';

const gunzipAsync = promisify(gunzip);
/** Output per threadpool round trip: a typical batch inflates in one or two (the default, 16 KiB, takes many, each a callback). */
const GUNZIP_CHUNK = 128 * 1024;

export interface DecodedBatch {
  batch: Batch;
  /** The batch as it is stored: the validated JSON, gzip (the upload itself when it was gzip). */
  chunk: EncodedChunk;
}

/**
 * Turns a raw request body into a validated batch, or throws a 4xx HttpError that
 * says what was wrong. Decompression is capped so a zip bomb costs at most
 * LIMITS.maxBatchBytes of memory.
 */
export async function decodeBatch(
  body: Buffer,
  contentEncoding: string | undefined,
  dictionaries?: DictionarySource,
): Promise<DecodedBatch> {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  // zlib, optionally with a preset dictionary, of the JSON or of its delta form, the latter maybe
  // deflated once more (payload strategy): decoded by inflate.ts, stored re-gzipped.
  const coding = deflateCodingOf(enc);
  if (coding) {
    const { batch, raw } = await decodeDeflateBatch(body, dictionaries ?? null, coding);
    return { batch, chunk: await encodeBatchJson(raw, null, batch.events) };
  }
  let raw: Buffer;
  // The upload, when it is gzip of exactly the bytes validated below (stored as is).
  let gzipBody: Buffer | null = null;
  if (enc === 'gzip') {
    gzipBody = body;
    try {
      raw = await gunzipAsync(body, { maxOutputLength: LIMITS.maxBatchBytes, chunkSize: GUNZIP_CHUNK });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new HttpError(413, 'body_too_large', `decompressed batch exceeds ${LIMITS.maxBatchBytes} bytes`);
      }
      throw new HttpError(400, 'bad_gzip', `body is not valid gzip: ${(err as Error).message}`);
    }
  } else if (enc === 'identity') {
    raw = body;
  } else {
    throw new HttpError(
      415,
      'unsupported_encoding',
      `Content-Encoding "${enc.slice(0, 64)}" is not supported; use gzip, deflate, "${DELTA_ENCODING}", "${DELTA_TWICE_ENCODING}" or none`,
    );
  }
  if (raw.length > LIMITS.maxBatchBytes) {
    throw new HttpError(413, 'body_too_large', `batch exceeds ${LIMITS.maxBatchBytes} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'bad_json', `body is not valid JSON: ${(err as Error).message}`);
  }
  const batch = validateBatch(json);
  return { batch, chunk: await encodeBatchJson(raw, gzipBody, batch.events) };
}
