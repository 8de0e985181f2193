import { BlockList, isIP } from 'node:net';
import { normalizeIp } from './client-ip';

/**
 * What kind of address an IP is, on node's BlockList (which also matches an IPv4-mapped IPv6
 * address, `::ffff:10.0.0.1`, against the IPv4 ranges): internal addresses for the deny list's
 * warnings, public ones for where webhooks may go.
 */

type Range = [base: string, bits: number];

const LOOPBACK_V4: Range = ['127.0.0.0', 8];
const LOOPBACK_V6: Range = ['::1', 128];

/** Loopback, private, link-local and carrier-grade NAT: a proxy, a node or a pod rather than a client. */
const INTERNAL_V4: Range[] = [
  LOOPBACK_V4,
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['100.64.0.0', 10], // carrier-grade NAT
];
const INTERNAL_V6: Range[] = [
  LOOPBACK_V6,
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
];

/** Every IPv4 range that is not public unicast. */
const NOT_PUBLIC_V4: Range[] = [
  ...INTERNAL_V4,
  ['0.0.0.0', 8], // "this" network
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

/**
 * Every IPv6 range that is not public unicast. NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an
 * IPv4 address: they are public exactly when it is, so they list the IPv4 ranges inside them.
 */
const NOT_PUBLIC_V6: Range[] = [
  ...INTERNAL_V6,
  ['::', 96], // unspecified, loopback, IPv4-compatible
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, …)
  ['2001:db8::', 32], // documentation
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
  ...NOT_PUBLIC_V4.map(([base, bits]): Range => [`64:ff9b::${base}`, 96 + bits]),
  ...NOT_PUBLIC_V4.map(([base, bits]): Range => [sixToFour(base), 16 + bits]),
];

/** 2002:WWXX:YYZZ:: for the IPv4 address W.X.Y.Z. */
function sixToFour(v4: string): string {
  const [a, b, c, d] = v4.split('.').map(Number);
  return `2002:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}::`;
}

function blockList(v4: Range[], v6: Range[]): BlockList {
  const list = new BlockList();
  for (const [base, bits] of v4) list.addSubnet(base, bits, 'ipv4');
  for (const [base, bits] of v6) list.addSubnet(base, bits, 'ipv6');
  return list;
}

const LOOPBACK = blockList([LOOPBACK_V4], [LOOPBACK_V6]);
const INTERNAL = blockList(INTERNAL_V4, INTERNAL_V6);
const NOT_PUBLIC = blockList(NOT_PUBLIC_V4, NOT_PUBLIC_V6);

/** 4 or 6 for a literal IPv4/IPv6 address, 0 for anything else (a host name, 'unknown', a CIDR). */
export function ipVersion(ip: string): 0 | 4 | 6 {
  return isIP(normalizeIp(ip)) as 0 | 4 | 6;
}

/** The address without brackets or a zone id and its BlockList type, or null when `ip` is not an address. */
function literal(ip: string): { address: string; type: 'ipv4' | 'ipv6' } | null {
  const address = normalizeIp(ip)
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '');
  const version = isIP(address);
  return version === 0 ? null : { address, type: version === 4 ? 'ipv4' : 'ipv6' };
}

function within(list: BlockList, ip: string): boolean {
  const a = literal(ip);
  return a !== null && list.check(a.address, a.type);
}

/**
 * Loopback, private, link-local or carrier-grade NAT. Blocking such an address usually means
 * blocking a proxy, a node or a pod rather than a client (see TRUST_PROXY), so callers warn.
 */
export function isInternalIp(ip: string): boolean {
  return within(INTERNAL, ip);
}

/** True for loopback addresses (127/8, ::1, and IPv4-mapped loopback). */
export function isLoopbackAddress(ip: string): boolean {
  return within(LOOPBACK, ip);
}

/** True when `ip` (IPv4 or IPv6) is a public unicast address: anything else, a host name included, is not. */
export function isPublicAddress(ip: string): boolean {
  return literal(ip) !== null && !within(NOT_PUBLIC, ip);
}
