import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { LIMITS, type Batch } from '@reprise/protocol';
import { parseBatch } from '@reprise/protocol/schema';
import { HttpError } from '../http/errors.js';

const gunzipAsync = promisify(gunzip);

/**
 * Turns a raw request body into a validated batch, or throws a 4xx HttpError that
 * says what was wrong. Decompression is capped so a zip bomb costs at most
 * LIMITS.maxBatchBytes of memory.
 */
export async function decodeBatch(body: Buffer, contentEncoding: string | undefined): Promise<Batch> {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  let raw: Buffer;
  if (enc === 'gzip') {
    try {
      raw = await gunzipAsync(body, { maxOutputLength: LIMITS.maxBatchBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new HttpError(413, 'body_too_large', `decompressed batch exceeds ${LIMITS.maxBatchBytes} bytes`);
      }
      throw new HttpError(400, 'bad_gzip', `body is not valid gzip: ${(err as Error).message}`);
    }
  } else if (enc === 'identity') {
    raw = body;
  } else {
    throw new HttpError(415, 'unsupported_encoding', `Content-Encoding "${enc}" is not supported; use gzip or none`);
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
  const parsed = parseBatch(json);
  if (!parsed.ok) throw new HttpError(400, 'invalid_batch', parsed.message);
  return parsed.batch;
}
