import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { assertValidKey, assertValidRange, ChunkNotFoundError } from './errors.js';
import type { ChunkObject, ChunkStore } from './types.js';

/** The `REPRISE_S3_*` settings (config.ts). */
export interface S3Config {
  /** Custom endpoint (MinIO, Swift, R2, ...); unset = AWS. */
  endpoint?: string;
  bucket: string;
  region: string;
  /** Unset = the SDK's default credential chain (env, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Prepended to every key ('' or ending in '/'). */
  prefix: string;
  forcePathStyle: boolean;
}

const DELETE_CONCURRENCY = 8;

/**
 * Chunks in an S3-compatible bucket. A 200 on PutObject means the object is durable.
 * Bodies are Buffers and checksums are only computed when an operation requires them:
 * streamed (aws-chunked) uploads and CRC-only multi-delete fail on some S3 implementations
 * (OpenStack Swift's s3api), so deletes go key by key. Creates nothing implicitly except in
 * `ensureBucket()` (tests and the CLI).
 */
export class S3ChunkStore implements ChunkStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;

  private readonly listPageSize: number | undefined;

  /** `listPageSize`: keys per ListObjectsV2 page (tests exercise pagination with small pages). */
  constructor(config: S3Config, opts: { listPageSize?: number } = {}) {
    this.listPageSize = opts.listPageSize;
    this.bucket = config.bucket;
    this.prefix = normalizePrefix(config.prefix);
    this.client = new S3Client({
      endpoint: config.endpoint || undefined,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials:
        config.accessKeyId && config.secretAccessKey
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
          : undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private objectKey(key: string): string {
    assertValidKey(key);
    return this.prefix + key;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: bytes,
        ContentLength: bytes.length,
        // The server verifies the body against it: a corrupted upload is refused, not stored.
        ContentMD5: createHash('md5').update(bytes).digest('base64'),
        ContentType: 'application/octet-stream',
      }),
    );
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Buffer> {
    if (range) {
      assertValidRange(key, range);
      if (range.end === range.start) return Buffer.alloc(0);
    }
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Range: range ? `bytes=${range.start}-${range.end - 1}` : undefined,
        }),
      );
      if (!res.Body) throw new Error(`empty response body for ${key}`);
      const u8 = await res.Body.transformToByteArray();
      const buf = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
      if (range && buf.length !== range.end - range.start) {
        throw new Error(`short read of ${key}: [${range.start}, ${range.end}) returned ${buf.length} bytes`);
      }
      return buf;
    } catch (err) {
      if (isNotFound(err)) throw new ChunkNotFoundError(key);
      if (range && errorName(err) === 'InvalidRange') {
        throw new Error(`short read of ${key}: [${range.start}, ${range.end}) is past the end of the object`, { cause: err });
      }
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    const objectKeys = keys.map((k) => this.objectKey(k));
    let next = 0;
    const worker = async () => {
      while (next < objectKeys.length) {
        const Key = objectKeys[next++]!;
        try {
          await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, objectKeys.length) }, worker));
  }

  async *list(prefix: string): AsyncIterable<ChunkObject> {
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          ContinuationToken: token,
          MaxKeys: this.listPageSize,
        }),
      );
      for (const o of res.Contents ?? []) {
        if (!o.Key || !o.Key.startsWith(this.prefix)) continue;
        yield { key: o.Key.slice(this.prefix.length), size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  /** Creates the bucket when it does not exist (tests, `reprise chunks ensure-bucket`). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err) && errorName(err) !== 'NoSuchBucket') throw err;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const name = errorName(err);
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function normalizePrefix(p: string): string {
  const trimmed = p.replace(/^\/+/, '');
  if (!trimmed) return '';
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | null)?.name;
}

function isNotFound(err: unknown): boolean {
  const name = errorName(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  // A missing bucket is a configuration error, never "object not found".
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}
