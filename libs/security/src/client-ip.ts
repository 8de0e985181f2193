import { normalizeIp } from '@app/common';
import { BlockList, isIP } from 'node:net';

/** 4 or 6 for a literal IPv4/IPv6 address, 0 for anything else (a host name, 'unknown', a CIDR). */
export function ipVersion(ip: string): 0 | 4 | 6 {
  return isIP(normalizeIp(ip)) as 0 | 4 | 6;
}

const internal = new BlockList();
internal.addSubnet('127.0.0.0', 8, 'ipv4');
internal.addSubnet('10.0.0.0', 8, 'ipv4');
internal.addSubnet('172.16.0.0', 12, 'ipv4');
internal.addSubnet('192.168.0.0', 16, 'ipv4');
internal.addSubnet('169.254.0.0', 16, 'ipv4');
internal.addSubnet('100.64.0.0', 10, 'ipv4');
internal.addAddress('::1', 'ipv6');
internal.addSubnet('fc00::', 7, 'ipv6');
internal.addSubnet('fe80::', 10, 'ipv6');

/**
 * Loopback, private, link-local or carrier-grade NAT. Blocking such an address usually means
 * blocking a proxy, a node or a pod rather than a client (see TRUST_PROXY), so callers warn.
 */
export function isInternalIp(ip: string): boolean {
  const n = normalizeIp(ip);
  const v = isIP(n);
  return v !== 0 && internal.check(n, v === 4 ? 'ipv4' : 'ipv6');
}
