import { isIPv4, isIPv6 } from 'node:net';

/** `REPRISE_IP`: what of the client address is stored on a session. */
export type IpMode = 'anonymize' | 'full' | 'off';

export const IP_MODES: readonly IpMode[] = ['anonymize', 'full', 'off'];

/**
 * The address to store for a client, or null. `anonymize` zeroes an IPv4 address's last octet
 * (`203.0.113.77` → `203.0.113.0`) and keeps an IPv6 address's /48 (`2001:db8:abcd:12::1` →
 * `2001:db8:abcd::`); an IPv4-mapped IPv6 address is treated as IPv4. Anything that is not an
 * IP address is not stored.
 */
export function storedIp(ip: string | undefined | null, mode: IpMode): string | null {
  if (mode === 'off' || !ip) return null;
  const addr = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  const v4 = mapped ? mapped[1]! : addr;
  if (isIPv4(v4)) return mode === 'full' ? v4 : v4.replace(/\.\d+$/, '.0');
  if (!isIPv6(addr)) return null;
  if (mode === 'full') return canonicalIPv6(addr);
  const groups = expandIPv6(addr);
  return canonicalIPv6(groups.map((g, i) => (i < 3 ? g : 0).toString(16)).join(':'));
}

/** RFC 5952 text (lower case, longest zero run as `::`), as the WHATWG URL parser writes it. */
function canonicalIPv6(addr: string): string {
  return new URL(`http://[${addr}]/`).hostname.slice(1, -1);
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail becomes two groups). */
function expandIPv6(addr: string): number[] {
  let text = addr.toLowerCase();
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, tail.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}
