// What @aws-sdk/client-s3 (v3, tested 3.1173.0) can and cannot do against Swift 2.30 s3api.
// Needs @aws-sdk/client-s3 resolvable (the repo does not depend on it yet), e.g.
//   eval "$(bash scripts/s3/swift-start.sh reprise-sdk)"
//   NODE_PATH=/some/dir/node_modules node scripts/s3/sdk-check.mjs   # or run it from a package that has the SDK
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH?.split(':')[0] ?? process.cwd(), 'x.js'));
const {
  S3Client,
  PutObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  DeleteObjectCommand,
  DeleteObjectsCommand,
} = require('@aws-sdk/client-s3');

const env = process.env;
const B = env.REPRISE_S3_BUCKET ?? 'reprise-sdk';
const client = (extra = {}) =>
  new S3Client({
    endpoint: env.REPRISE_S3_ENDPOINT,
    region: env.REPRISE_S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.REPRISE_S3_ACCESS_KEY_ID, secretAccessKey: env.REPRISE_S3_SECRET_ACCESS_KEY },
    ...extra,
  });
// Swift 2.30 requires Content-MD5 on DeleteObjects; SDK >= 3.729 sends only x-amz-checksum-crc32 there.
function addContentMd5ForDeleteObjects(c) {
  c.middlewareStack.add(
    (next, ctx) => async (args) => {
      if (ctx.commandName === 'DeleteObjectsCommand' && typeof args.request.body === 'string') {
        args.request.headers['content-md5'] = createHash('md5').update(args.request.body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'contentMd5ForSwift' },
  );
  return c;
}

let pass = 0,
  fail = 0;
async function expect(name, want, fn) {
  // want: 'ok' or an error name
  let got;
  try {
    await fn();
    got = 'ok';
  } catch (e) {
    got = e.name;
  }
  if (got === want) pass++;
  else fail++;
  console.log(`${got === want ? 'ok  ' : 'FAIL'} ${name}: ${got}${got === want ? '' : ` (expected ${want})`}`);
}

const buf = Buffer.alloc(100 * 1024, 7);
const dflt = client();
const whenRequired = addContentMd5ForDeleteObjects(
  client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }),
);

await expect('default client: PutObject Buffer (x-amz-checksum-crc32 header, ignored by Swift)', 'ok', () =>
  dflt.send(new PutObjectCommand({ Bucket: B, Key: 'sdk/a.bin', Body: buf })),
);
await expect('default client: PutObject stream (aws-chunked + trailer) -> 501', 'NotImplemented', () =>
  dflt.send(new PutObjectCommand({ Bucket: B, Key: 'sdk/s.bin', Body: Readable.from([buf]), ContentLength: buf.length })),
);
await expect('WHEN_REQUIRED client: PutObject stream', 'ok', () =>
  whenRequired.send(new PutObjectCommand({ Bucket: B, Key: 'sdk/s.bin', Body: Readable.from([buf]), ContentLength: buf.length })),
);
await expect('PutObject IfNoneMatch:"*" -> 501 (no conditional PUT in Swift 2.30)', 'NotImplemented', () =>
  dflt.send(new PutObjectCommand({ Bucket: B, Key: 'sdk/a.bin', Body: 'x', IfNoneMatch: '*' })),
);
await expect('GetObject round trip', 'ok', async () => {
  const r = await dflt.send(new GetObjectCommand({ Bucket: B, Key: 'sdk/a.bin' }));
  if (!Buffer.from(await r.Body.transformToByteArray()).equals(buf)) throw new Error('body mismatch');
});
await expect('ListObjectsV2 prefix + continuation', 'ok', async () => {
  const r1 = await dflt.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'sdk/', MaxKeys: 1 }));
  const r2 = await dflt.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'sdk/', ContinuationToken: r1.NextContinuationToken }));
  if (r1.KeyCount !== 1 || !r1.IsTruncated || r2.Contents?.[0]?.Key !== 'sdk/s.bin') throw new Error('listing mismatch');
});
await expect('DeleteObjects without Content-MD5 -> 400', 'InvalidRequest', () =>
  dflt.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'sdk/a.bin' }] } })),
);
await expect('DeleteObjects with Content-MD5 middleware', 'ok', async () => {
  const r = await whenRequired.send(
    new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'sdk/a.bin' }, { Key: 'sdk/s.bin' }] } }),
  );
  if (r.Deleted?.length !== 2) throw new Error('not deleted');
});
await expect('GetObject deleted -> NoSuchKey', 'NoSuchKey', () => dflt.send(new GetObjectCommand({ Bucket: B, Key: 'sdk/a.bin' })));
await dflt.send(new DeleteObjectCommand({ Bucket: B, Key: 'sdk/a.bin' }));
console.log(`${pass} passed, ${fail} failed`);
process.exitCode = fail ? 1 : 0;
