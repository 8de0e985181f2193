import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';

/**
 * Where webhooks may be sent. `production`: https only, and every address the host resolves to
 * must be public (no private, loopback, link-local, CGNAT, multicast, reserved or documentation
 * ranges, IPv4-mapped/embedded IPv6 included), so a webhook cannot reach the cluster's insides
 * (SSRF). `development`/`test`: https anywhere, plain http only to loopback (a local receiver).
 */
export type WebhookUrlMode = 'production' | 'development';

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

const MAX_URL_LENGTH = 2000;

type Ipv4Range = [number[], number];
const IPV4_BLOCKED: Ipv4Range[] = [
  [[0, 0, 0, 0], 8], // "this" network
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local (cloud metadata lives here)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 88, 99, 0], 24], // 6to4 relay anycast
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, broadcast
];

function inV4Range(bytes: number[], [base, bits]: Ipv4Range): boolean {
  const value = (b: number[]) => ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (value(bytes) & mask) >>> 0 === (value(base) & mask) >>> 0;
}

function parseV4(ip: string): number[] | null {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

/** 16 bytes of an IPv6 address (with `::` and a trailing dotted IPv4 allowed), or null. */
function parseV6(ip: string): number[] | null {
  let text = ip
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '')
    .toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseV4(dotted[1]);
    if (!v4) return null;
    text = `${text.slice(0, -dotted[1].length)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

const startsWith = (bytes: number[], prefix: number[], bits: number) => {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const bit = 7 - (i & 7);
    if (((bytes[byte] >> bit) & 1) !== ((prefix[byte] >> bit) & 1)) return false;
  }
  return true;
};
const v6 = (text: string) => parseV6(text) as number[];

/** True when `ip` (IPv4 or IPv6) is a public unicast address a webhook may reach. */
export function isPublicAddress(ip: string): boolean {
  const v4 = parseV4(ip);
  if (v4) return !IPV4_BLOCKED.some((r) => inV4Range(v4, r));
  const b = parseV6(ip);
  if (!b) return false;
  const embedded = (offset: number) => isPublicAddress(b.slice(offset, offset + 4).join('.'));
  if (startsWith(b, v6('::ffff:0:0'), 96)) return embedded(12); // IPv4-mapped
  if (startsWith(b, v6('64:ff9b::'), 96)) return embedded(12); // NAT64
  if (startsWith(b, v6('2002::'), 16)) return embedded(2); // 6to4
  const blocked: [string, number][] = [
    ['::', 96], // unspecified, loopback, IPv4-compatible
    ['64:ff9b:1::', 48], // local-use NAT64
    ['100::', 64], // discard
    ['2001::', 23], // IETF protocol assignments (Teredo, …)
    ['2001:db8::', 32], // documentation
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['fec0::', 10], // site-local (deprecated)
    ['ff00::', 8], // multicast
  ];
  return !blocked.some(([prefix, bits]) => startsWith(b, v6(prefix), bits));
}

/** True for loopback addresses (127/8, ::1, and IPv4-mapped loopback). */
export function isLoopbackAddress(ip: string): boolean {
  const v4 = parseV4(ip);
  if (v4) return v4[0] === 127;
  const b = parseV6(ip);
  if (!b) return false;
  if (startsWith(b, v6('::ffff:0:0'), 96)) return b[12] === 127;
  return startsWith(b, v6('::1'), 128);
}

/** Whether a connection to `address` is allowed for a URL with `protocol` under `mode`. */
export function addressAllowed(address: string, protocol: string, mode: WebhookUrlMode): string | null {
  if (mode === 'production')
    return isPublicAddress(address) ? null : `it resolves to ${address}, which is not a public address`;
  if (protocol === 'http:' && !isLoopbackAddress(address))
    return `plain http is allowed only to loopback, and ${address} is not`;
  return null;
}

/** The URL's shape: parseable, http(s), no credentials, http only outside production. */
export function checkUrlShape(raw: string, mode: WebhookUrlMode): UrlCheck {
  if (raw.length > MAX_URL_LENGTH)
    return { ok: false, reason: `must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, reason: 'must be an https URL' };
  if (url.protocol === 'http:' && mode === 'production') return { ok: false, reason: 'must be an https URL' };
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  return { ok: true, url };
}

export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookupAll: LookupAll = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/**
 * Full check of a webhook URL: its shape, then every address its host resolves to (an IP literal
 * is its own address). Used when a webhook is created and again at each delivery.
 */
export async function checkWebhookUrl(
  raw: string,
  mode: WebhookUrlMode,
  lookupAll: LookupAll = systemLookupAll,
): Promise<UrlCheck> {
  const shape = checkUrlShape(raw, mode);
  if (!shape.ok) return shape;
  const host = shape.url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookupAll(host)).map((a) => a.address);
    } catch {
      return { ok: false, reason: `its host ${host} does not resolve` };
    }
    if (addresses.length === 0) return { ok: false, reason: `its host ${host} does not resolve` };
  }
  for (const address of addresses) {
    const refused = addressAllowed(address, shape.url.protocol, mode);
    if (refused) return { ok: false, reason: `is not allowed: ${refused}` };
  }
  return shape;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s).request that resolves the host, refuses when any address is not allowed,
 * and connects to the address it checked — so DNS cannot answer differently between the check
 * and the connection (rebinding).
 */
export function guardedLookup(protocol: string, mode: WebhookUrlMode) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '');
      for (const a of addresses) {
        const refused = addressAllowed(a.address, protocol, mode);
        if (refused) {
          const error: NodeJS.ErrnoException = new Error(`webhook refused: ${refused}`);
          error.code = 'EWEBHOOKREFUSED';
          return callback(error, '');
        }
      }
      if (addresses.length === 0)
        return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '');
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
