import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * The server's fetch of a recorded page's asset, with the precautions of a request made on
 * behalf of others:
 * - only URLs of the project's allowed origins. An origin listed by name may be any address (an
 *   intranet app); one allowed only through `*` must resolve to public addresses: loopback,
 *   private, link-local (cloud metadata) and other special ranges are refused. The address is
 *   checked where the socket connects (the `lookup` hook), so DNS rebinding cannot slip past;
 * - no cookies, no referrer, a fixed user agent: nothing about the person replaying;
 * - size-capped (declared length and bytes read, after decompression), time-limited (the whole
 *   exchange), at most a few redirects, each checked like the first URL;
 * - only content types a replay loads as a subresource (CSS, images, fonts, media).
 */
export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { maxBytes: 8 * 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 };
export const FETCH_USER_AGENT = 'Reprise-AssetFetcher/1 (+session replay asset capture)';

export type FetchOutcome = { ok: true; bytes: Buffer; contentType: string; url: string } | { ok: false; error: string };

const SPECIAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  SPECIAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  ['100::', 64],
] as const)
  SPECIAL.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, multicast, documentation and other non-public addresses. */
export function isSpecialAddress(address: string): boolean {
  const v = isIP(address);
  if (v === 4) return SPECIAL.check(address, 'ipv4');
  if (v !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return SPECIAL.check(mapped[1]!, 'ipv4');
  return SPECIAL.check(address, 'ipv6');
}

/**
 * Whether the project's allowed origins let the server fetch `url`: 'named' (the origin is listed:
 * any address), 'public' (only through `*`: public addresses only) or null (not allowed).
 */
export function fetchPermission(allowedOrigins: readonly string[], url: URL): 'named' | 'public' | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const origin = url.origin.toLowerCase();
  if (allowedOrigins.some((a) => a !== '*' && a.replace(/\/+$/, '').toLowerCase() === origin)) return 'named';
  return allowedOrigins.includes('*') ? 'public' : null;
}

const ALLOWED_TYPES =
  /^(text\/css|image\/[a-z0-9.+-]+|font\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+|audio\/[a-z0-9.+-]+|application\/(font-woff2?|x-font-[a-z0-9.+-]+|font-sfnt|vnd\.ms-fontobject|octet-stream))$/;

export function isAllowedAssetType(contentType: string): boolean {
  return ALLOWED_TYPES.test(contentType);
}

class FetchRefused extends Error {}

export async function fetchAsset(
  rawUrl: string,
  allowedOrigins: readonly string[],
  limits: FetchLimits = DEFAULT_FETCH_LIMITS,
  /** Content types taken (default: what a replay loads as a subresource); source maps take scripts and JSON. */
  accept: (contentType: string) => boolean = isAllowedAssetType,
): Promise<FetchOutcome> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, error: 'not a URL' };
  }
  try {
    for (let hop = 0; ; hop++) {
      const permission = fetchPermission(allowedOrigins, url);
      if (!permission) return { ok: false, error: `origin ${url.origin} is not an allowed origin of the project` };
      if (isIP(url.hostname.replace(/^\[|\]$/g, '')) && permission === 'public' && isSpecialAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
        return { ok: false, error: `address ${url.hostname} is not public` };
      }
      const res = await request(url, permission, limits, signal);
      if (res.redirect) {
        if (hop >= limits.maxRedirects) return { ok: false, error: 'too many redirects' };
        url = new URL(res.redirect, url);
        continue;
      }
      if (res.status !== 200) return { ok: false, error: `HTTP ${res.status}` };
      const contentType = (res.contentType.split(';')[0] ?? '').trim().toLowerCase();
      if (!accept(contentType)) return { ok: false, error: `content type ${contentType || '(none)'} is not an asset type` };
      return { ok: true, bytes: res.body, contentType, url: url.href };
    }
  } catch (err) {
    if (signal.aborted) return { ok: false, error: `timed out after ${limits.timeoutMs} ms` };
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

interface RawResponse {
  status: number;
  redirect: string | null;
  contentType: string;
  body: Buffer;
}

function request(url: URL, permission: 'named' | 'public', limits: FetchLimits, signal: AbortSignal): Promise<RawResponse> {
  // Every address the name resolves to is checked where the socket connects.
  const lookup: LookupFunction = (hostname, options, cb) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err, '', 0);
      const list = addresses as unknown as { address: string; family: number }[];
      const bad = permission === 'public' ? list.find((a) => isSpecialAddress(a.address)) : undefined;
      if (bad) return cb(new FetchRefused(`${hostname} resolves to ${bad.address}, which is not public`), '', 0);
      if ((options as { all?: boolean }).all) return (cb as unknown as (e: null, a: typeof list) => void)(null, list);
      cb(null, list[0]!.address, list[0]!.family);
    });
  };
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise<RawResponse>((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'GET',
        lookup,
        signal,
        agent: false,
        headers: { 'user-agent': FETCH_USER_AGENT, accept: '*/*', 'accept-encoding': 'gzip, deflate, br' },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location) {
          res.resume();
          resolve({ status, redirect: location, contentType: '', body: Buffer.alloc(0) });
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > limits.maxBytes) {
          res.destroy();
          reject(new FetchRefused(`larger than ${limits.maxBytes} bytes (${declared})`));
          return;
        }
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (b: Buffer) => {
          size += b.length;
          if (size > limits.maxBytes) {
            res.destroy(new FetchRefused(`larger than ${limits.maxBytes} bytes`));
            return;
          }
          parts.push(b);
        });
        res.on('error', reject);
        res.on('end', () => {
          try {
            const body = decode(Buffer.concat(parts, size), String(res.headers['content-encoding'] ?? ''), limits.maxBytes);
            resolve({ status, redirect: null, contentType: String(res.headers['content-type'] ?? ''), body });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function decode(body: Buffer, encoding: string, maxBytes: number): Buffer {
  const enc = encoding.trim().toLowerCase();
  const opts = { maxOutputLength: maxBytes };
  try {
    if (enc === '' || enc === 'identity') return body;
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body, opts);
    if (enc === 'deflate') return inflateSync(body, opts);
    if (enc === 'br') return brotliDecompressSync(body, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new FetchRefused(`larger than ${maxBytes} bytes once decompressed`);
    }
    throw err;
  }
  throw new FetchRefused(`unsupported content encoding ${enc}`);
}
