import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { isLoopbackAddress, isPublicAddress } from '@app/common';

/**
 * Where webhooks may be sent. `production`: https only, and every address the host resolves to
 * must be public (no private, loopback, link-local, CGNAT, multicast, reserved or documentation
 * ranges, IPv4-mapped/embedded IPv6 included), so a webhook cannot reach the cluster's insides
 * (SSRF). `development`/`test`: https anywhere, plain http only to loopback (a local receiver).
 */
export type WebhookUrlMode = 'production' | 'development';

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

const MAX_URL_LENGTH = 2000;

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
