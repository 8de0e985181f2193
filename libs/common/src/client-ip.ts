/**
 * One spelling per address: IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket or a proxy
 * may report) becomes plain IPv4, IPv6 is lower-cased. The deny list, the rate limiter, the login
 * back-off and the audit log all key on this form, so one client is one key whichever way it is
 * spelled.
 */
export function normalizeIp(ip: string): string {
  const trimmed = ip.trim().toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(trimmed);
  return mapped ? mapped[1] : trimmed;
}
